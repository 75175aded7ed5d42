/** The counts drainer on maps held in memory: what it reads, and when it frees a stack. */
import t from 'tap';
import type { BpfObject } from '../../../native/api';
import { CountsDrainer } from '../../../receivers/perf/drain';
import { PERF_SAMPLE_KEY } from '../../../receivers/perf/layout';
import { commKey } from '../../../core/kernel/bpf-records';

/** A map as the drainer uses it: entries by key bytes. */
class MemoryMap {
  readonly data = new Map<string, Buffer>();
  lookup(key: Buffer): Buffer | undefined {
    return this.data.get(key.toString('hex'));
  }
  update(key: Buffer, value: Buffer): void {
    this.data.set(key.toString('hex'), value);
  }
  delete(key: Buffer): boolean {
    return this.data.delete(key.toString('hex'));
  }
  entries(): Array<[Buffer, Buffer]> {
    return [...this.data].map(([k, v]) => [Buffer.from(k, 'hex'), v]);
  }
}

function sampleKey(tid: number, userStackId: number): Buffer {
  const b = Buffer.alloc(PERF_SAMPLE_KEY.size);
  b.writeUInt32LE(tid, 0);
  b.writeUInt32LE(tid, 4);
  b.writeInt32LE(userStackId, 8);
  b.writeInt32LE(-1, 12);
  commKey('app').copy(b, 16);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function stack(ip: number): Buffer {
  const b = Buffer.alloc(127 * 8);
  b.writeBigUInt64LE(BigInt(ip));
  return b;
}

t.test('a stack named by neither map is freed one drain later, so a sample that takes it meanwhile finds it', async (t) => {
  const maps = { generation: new MemoryMap(), counts_0: new MemoryMap(), counts_1: new MemoryMap(), stacks: new MemoryMap() };
  const obj = { map: (name: keyof typeof maps) => maps[name] } as unknown as BpfObject;
  const drainer = new CountsDrainer(obj);
  maps.stacks.update(u32(5), stack(0x401000));
  maps.stacks.update(u32(6), stack(0x402000));
  maps.counts_0.update(sampleKey(10, 5), Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]));

  const first = drainer.drain();
  t.equal(first.entries.length, 1);
  t.same(first.stacks.get(5), [0x401000n]);
  t.equal(first.missingStacks, 0);
  t.ok(maps.stacks.lookup(u32(5)), 'named by neither map now, but kept until the next drain');
  t.equal(maps.counts_0.data.size, 0, 'the drained map is emptied');

  // Right after the first drain's look at the active map, a sample takes stack 5 again.
  maps.counts_1.update(sampleKey(10, 5), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
  const second = drainer.drain();
  t.equal(second.missingStacks, 0, 'found: not deleted in between');
  t.same(second.stacks.get(5), [0x401000n]);

  const third = drainer.drain();
  t.equal(third.entries.length, 0);
  t.notOk(maps.stacks.lookup(u32(5)), 'freed once a whole drain passed without it');
  t.ok(maps.stacks.lookup(u32(6)), 'a stack no drain read is not the drainer\'s to free');
});
