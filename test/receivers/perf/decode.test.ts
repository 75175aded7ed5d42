/** Decoding the perf maps' bytes and merging drains: exact values from hand-made records. */
import t from 'tap';
import { decodeCounts, decodeNewPid, decodeStack } from '../../../receivers/perf/decode';
import { PendingSamples } from '../../../receivers/perf/pending';
import { PERF_NEW_PID, PERF_SAMPLE_KEY } from '../../../receivers/perf/layout';
import { commKey, decodeRecords } from '../../../core/kernel/bpf-records';

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

t.test('new_pids records decode with the mappings the reader attached (or none)', async (t) => {
  const record = (tgid: number, comm: string): Buffer => {
    const b = Buffer.alloc(PERF_NEW_PID.size);
    b.writeUInt32LE(tgid, PERF_NEW_PID.members.tgid.offset);
    commKey(comm).copy(b, PERF_NEW_PID.members.comm.offset);
    return b;
  };
  const header = (len: number, attached: number): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(len, 0);
    h.writeUInt32LE(attached, 4);
    return h;
  };
  const maps = '55d0c0a01000-55d0c0a05000 r-xp 00001000 08:01 1234 /usr/bin/app\n';
  const buffer = Buffer.concat([
    header(PERF_NEW_PID.size, maps.length), record(41, 'app'), Buffer.from(maps), Buffer.alloc((8 - (maps.length % 8)) % 8),
    header(PERF_NEW_PID.size, 0), record(42, 'gone'),
  ]);
  t.same(decodeRecords({ buffer, count: 2 }, PERF_NEW_PID.size, decodeNewPid), {
    events: [{ tgid: 41, comm: 'app', executableMaps: maps }, { tgid: 42, comm: 'gone', executableMaps: '' }],
    malformed: 0,
  });
});

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
