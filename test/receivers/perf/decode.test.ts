/** Decoding the perf maps' bytes and merging drains: exact values from hand-made records. */
import t from 'tap';
import { decodeCounts, decodeStack } from '../../../receivers/perf/decode';
import { PendingSamples } from '../../../receivers/perf/pending';
import { PERF_SAMPLE_KEY } from '../../../receivers/perf/layout';
import { commKey } from '../../../core/kernel/bpf-records';

function key(tgid: number, tid: number, user: number, kernel: number, comm: string): Buffer {
  const b = Buffer.alloc(PERF_SAMPLE_KEY.size);
  b.writeUInt32LE(tgid, 0);
  b.writeUInt32LE(tid, 4);
  b.writeInt32LE(user, 8);
  b.writeInt32LE(kernel, 12);
  commKey(comm).copy(b, 16);
  return b;
}

function count(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

t.test('counts entries and stacks decode', async (t) => {
  t.same(decodeCounts([[key(10, 11, 3, -1, 'app'), count(7)]]), [
    { tgid: 10, tid: 11, comm: 'app', userStackId: 3, kernelStackId: -1, count: 7 },
  ]);
  const stack = Buffer.alloc(127 * 8);
  stack.writeBigUInt64LE(0x401000n, 0);
  stack.writeBigUInt64LE(0xffffffff81000000n, 8);
  t.same(decodeStack(stack), [0x401000n, 0xffffffff81000000n], 'up to the first zero');
});

t.test('pending samples merge by addresses across drains, and are bounded', async (t) => {
  const pending = new PendingSamples(2);
  const drain = (entries: Array<[number, number, number]>, stacks: Array<[number, bigint[]]>) => ({
    entries: entries.map(([tid, user, n]) => ({ tgid: 1, tid, comm: 'a', userStackId: user, kernelStackId: -1, count: n })),
    stacks: new Map(stacks),
    missingStacks: 0,
  });
  // The same addresses under two different ids (ids are reused after a drain) merge.
  t.equal(pending.add(drain([[1, 5, 2]], [[5, [0x10n, 0x20n]]])), 0);
  t.equal(pending.add(drain([[1, 9, 3]], [[9, [0x10n, 0x20n]]])), 0);
  // The same id naming other addresses does not.
  t.equal(pending.add(drain([[1, 5, 1]], [[5, [0x30n]]])), 0);
  t.equal(pending.add(drain([[2, 5, 4]], [[5, [0x30n]]])), 4, 'a third key past the bound is dropped, counted');
  const taken = pending.take();
  t.same(taken.map((s) => [s.tid, s.user, s.count]), [[1, [0x10n, 0x20n], 5], [1, [0x30n], 1]]);
  t.same(pending.take(), [], 'take() starts over');
});
