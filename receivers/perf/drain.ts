/**
 * Drains one interval's samples from the kernel: flips `generation` so the
 * program counts into the other map, reads and deletes the entries of the
 * map it left, and reads the stacks they name. Stack ids named by neither
 * map are deleted a drain later, so `stacks` only holds what is still needed.
 */
import type { BpfObject } from '../../native/api';
import { decodeCounts, decodeStack, stackKey, type CountEntry } from './decode';

/** One interval's samples with their raw stacks. */
export interface DrainedSamples {
  entries: CountEntry[];
  /** Addresses by stack id, leaf first; a missing id was lost (evicted or never stored). */
  stacks: Map<number, bigint[]>;
  /** A string standing for each stack's addresses (equal stacks, equal strings), by stack id. */
  stackKeys?: Map<number, string>;
  /** Stack ids named by an entry but absent from `stacks`. */
  missingStacks: number;
}

/** Drains the double-buffered counts maps and the stacks they name. */
export class CountsDrainer {
  private generation = 0;
  /** Stack ids read by the last drain that neither map named then: deleted by this one unless named again. */
  private unnamed = new Set<number>();

  constructor(private readonly obj: BpfObject) {}

  /** Flips the generation and drains the map the program was writing. */
  drain(): DrainedSamples {
    const obj = this.obj;
    const drained = `counts_${this.generation & 1}`;
    this.generation = (this.generation + 1) >>> 0;
    const genValue = Buffer.alloc(4);
    genValue.writeUInt32LE(this.generation);
    obj.map('generation').update(Buffer.alloc(4), genValue);

    const counts = obj.map(drained);
    const raw = counts.entries();
    for (const [key] of raw) counts.delete(key);
    const entries = decodeCounts(raw);

    const stackMap = obj.map('stacks');
    const stacks = new Map<number, bigint[]>();
    const stackKeys = new Map<number, string>();
    let missingStacks = 0;
    for (const e of entries) {
      for (const id of [e.userStackId, e.kernelStackId]) {
        if (id < 0 || stacks.has(id)) continue;
        const value = stackMap.lookup(stackKey(id));
        if (!value) {
          missingStacks++;
          continue;
        }
        const ips = decodeStack(value);
        stacks.set(id, ips);
        stackKeys.set(id, value.toString('latin1', 0, ips.length * 8));
      }
    }
    // Keep the stacks the active map names (samples since the flip). The others are freed one drain later,
    // unless named again by then: a sample may take a stack id between this read of the active map and the
    // delete (the same stack again, found in `stacks`), or count into the old map just after the flip.
    const live = new Set<number>();
    for (const e of decodeCounts(obj.map(`counts_${this.generation & 1}`).entries())) {
      live.add(e.userStackId);
      live.add(e.kernelStackId);
    }
    for (const id of this.unnamed) if (!live.has(id) && !stacks.has(id)) stackMap.delete(stackKey(id));
    this.unnamed = new Set([...stacks.keys()].filter((id) => !live.has(id)));
    return { entries, stacks, stackKeys, missingStacks };
  }
}
