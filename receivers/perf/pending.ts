/**
 * Samples drained from the kernel and not yet written: merged by thread and
 * stack *addresses* (stack ids are freed after each drain and may be reused),
 * bounded in distinct keys.
 */
import type { DrainedSamples } from './drain';

/** One thread's samples with one (user, kernel) stack over the interval. */
export interface StackSample {
  tgid: number;
  tid: number;
  comm: string;
  count: number;
  /** User addresses, leaf first; empty when not collected or lost. */
  user: bigint[];
  /** Kernel addresses, leaf first; empty when not collected or lost. */
  kernel: bigint[];
}

const NONE: bigint[] = [];

/** A string standing for a stack's addresses: the drain's (raw bytes) when it has one. */
function stackText(drained: DrainedSamples, id: number, ips: readonly bigint[]): string {
  const known = drained.stackKeys?.get(id);
  if (known !== undefined) return known;
  let s = '';
  for (const ip of ips) s += `${ip.toString(16)},`;
  return s;
}

/** Samples merged across drains until taken. */
export class PendingSamples {
  private samples = new Map<string, StackSample>();

  constructor(private readonly maxKeys: number) {}

  /** Adds a drain's samples; returns the samples that did not fit (new keys past the bound). */
  add(drained: DrainedSamples): number {
    let dropped = 0;
    for (const e of drained.entries) {
      const user = e.userStackId >= 0 ? drained.stacks.get(e.userStackId) ?? NONE : NONE;
      const kernel = e.kernelStackId >= 0 ? drained.stacks.get(e.kernelStackId) ?? NONE : NONE;
      const key = `${e.tgid}/${e.tid}/${e.comm}/${stackText(drained, e.userStackId, user)}/${stackText(drained, e.kernelStackId, kernel)}`;
      const known = this.samples.get(key);
      if (known) {
        known.count += e.count;
      } else if (this.samples.size < this.maxKeys) {
        this.samples.set(key, { tgid: e.tgid, tid: e.tid, comm: e.comm, count: e.count, user, kernel });
      } else {
        dropped += e.count;
      }
    }
    return dropped;
  }

  /** Every pending sample; starts a new interval. */
  take(): StackSample[] {
    const out = [...this.samples.values()];
    this.samples = new Map();
    return out;
  }
}
