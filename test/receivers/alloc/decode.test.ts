/** The alloc receiver's decoders, grouping, metric scaling and target resolution, on hand-made bytes and files. */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComponentTelemetry } from '../../../core/telemetry';
import { SeriesLimiter } from '../../../core/cardinality';
import { decodeAllocs, decodeKmallocSites, decodeProcesses, decodeStack, groupLeaks, type LiveBlock } from '../../../receivers/alloc/decode';
import { ALLOC_INFO, ALLOC_KEY, ALLOC_PROCESS } from '../../../receivers/alloc/layout';
import { callSites, leakProfile, leakRecords, type LeakStack } from '../../../receivers/alloc/leak-report';
import { kernelFunctionTotals, toKernelMetricRecords, toMetricRecords } from '../../../receivers/alloc/metrics';
import { isLibcName, libcOfPid, resolveTargets } from '../../../receivers/alloc/targets';

t.test('decodeProcesses reads every field of struct alloc_process', async (t) => {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(42);
  const value = Buffer.alloc(ALLOC_PROCESS.size);
  [7, 700, 3, 300, 1, 100].forEach((n, i) => value.writeBigUInt64LE(BigInt(n), i * 8));
  value.write('leaktest', ALLOC_PROCESS.members.comm.offset);
  t.same(decodeProcesses([[key, value]]), [{
    pid: 42, comm: 'leaktest', allocations: 7, allocatedBytes: 700, tracked: 3, trackedBytes: 300, trackedFreed: 1, trackedFreedBytes: 100,
  }]);
  t.throws(() => decodeProcesses([[key, Buffer.alloc(8)]]), /processes value: expected at least 64 bytes, got 8/);
});

t.test('decodeAllocs and decodeStack', async (t) => {
  const key = Buffer.alloc(ALLOC_KEY.size);
  key.writeBigUInt64LE(0x7f0000001000n, 0);
  key.writeUInt32LE(9, 8);
  const value = Buffer.alloc(ALLOC_INFO.size);
  value.writeBigUInt64LE(64n, 0);
  value.writeBigUInt64LE(123456789n, 8);
  value.writeInt32LE(-14, 16);
  t.same(decodeAllocs([[key, value]]), [{ pid: 9, addr: 0x7f0000001000n, size: 64, timestampNs: 123456789n, stackId: -14 }]);
  const stack = Buffer.alloc(127 * 8);
  stack.writeBigUInt64LE(0x401000n, 0);
  stack.writeBigUInt64LE(0x402000n, 8);
  t.same(decodeStack(stack), [0x401000n, 0x402000n], 'up to the first zero');
});

t.test('groupLeaks: by (pid, stack), old enough only, most bytes first', async (t) => {
  const b = (pid: number, stackId: number, size: number, ts: bigint): LiveBlock => ({ pid, stackId, size, timestampNs: ts, addr: 0n });
  const groups = groupLeaks([b(1, 5, 100, 10n), b(1, 5, 100, 5n), b(1, 6, 300, 10n), b(2, 5, 50, 10n), b(1, 7, 1000, 99n)], 50n);
  t.same(groups, [
    { pid: 1, stackId: 6, count: 1, bytes: 300, oldestNs: 10n },
    { pid: 1, stackId: 5, count: 2, bytes: 200, oldestNs: 5n },
    { pid: 2, stackId: 5, count: 1, bytes: 50, oldestNs: 10n },
  ], 'the block younger than the cutoff is left out');
});

t.test('call sites: one byte back from each return address', async (t) => {
  t.same(callSites([0x401005n, 0x402010n]), [0x401004n, 0x40200fn]);
});

t.test('metrics: allocations and allocated exact, freed and outstanding times sample_every', async (t) => {
  const limiter = new SeriesLimiter(10, new ComponentTelemetry('alloc', 'receiver'));
  const records = toMetricRecords([{ pid: 3, comm: 'x', allocations: 1000, allocatedBytes: 4000, tracked: 62, trackedBytes: 248, trackedFreed: 2, trackedFreedBytes: 8 }], {
    resource: { attributes: {} }, scope: { name: 's' }, sampleEvery: 16, startTime: [1, 0], time: [2, 0], limiter,
  });
  t.same(records.map((r) => [r.name, r.type, r.unit, r.value]), [
    ['process.memory.allocations', 'sum', '{allocation}', 1000],
    ['process.memory.allocated', 'sum', 'By', 4000],
    ['process.memory.freed', 'sum', 'By', 8 * 16],
    ['process.memory.outstanding', 'gauge', 'By', 240 * 16],
  ]);
  t.ok(records.every((r) => r.attributes['process.pid'] === 3 && r.attributes['process.executable.name'] === 'x'));
});

t.test('kmalloc sites: summed over CPUs, then by function', async (t) => {
  const key = (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const perCpu = (...pairs: Array<[number, number]>): Buffer => {
    const b = Buffer.alloc(16 * pairs.length);
    pairs.forEach(([c, bytes], i) => {
      b.writeBigUInt64LE(BigInt(c), i * 16);
      b.writeBigUInt64LE(BigInt(bytes), i * 16 + 8);
    });
    return b;
  };
  const sites = decodeKmallocSites([[key(0xffff0010n), perCpu([1, 100], [2, 200])], [key(0xffff0020n), perCpu([0, 0], [4, 40])], [key(0xffff0100n), perCpu([1, 8], [0, 0])]]);
  t.same(sites, [
    { site: 0xffff0010n, count: 3, bytesRequested: 300 },
    { site: 0xffff0020n, count: 4, bytesRequested: 40 },
    { site: 0xffff0100n, count: 1, bytesRequested: 8 },
  ]);
  const frame = (name: string) => ({ name, module: '[kernel]', address: 0n, offset: 0n, kind: 'kernel' as const });
  const totals = kernelFunctionTotals(sites, [frame('alloc_pipe_info'), frame('alloc_pipe_info'), frame('__alloc_skb')]);
  t.same(totals.map((f) => [f.frame.name, f.count, f.bytesRequested]), [['alloc_pipe_info', 7, 340], ['__alloc_skb', 1, 8]], 'two sites of one function summed');
  const limiter = new SeriesLimiter(10, new ComponentTelemetry('alloc', 'receiver'));
  const records = toKernelMetricRecords(totals, { resource: { attributes: {} }, scope: { name: 's' }, sampleEvery: 1, startTime: [1, 0], time: [2, 0], limiter });
  t.same(records.map((r) => [r.name, r.unit, r.attributes['code.function.name'], r.value]), [
    ['kernel.memory.allocations', '{allocation}', 'alloc_pipe_info', 7],
    ['kernel.memory.allocated', 'By', 'alloc_pipe_info', 340],
    ['kernel.memory.allocations', '{allocation}', '__alloc_skb', 1],
    ['kernel.memory.allocated', 'By', '__alloc_skb', 8],
  ]);
});

t.test('leak records and profile from stacks', async (t) => {
  const frame = (name: string) => ({ name, module: '/bin/x', address: 1n, offset: 1n, kind: 'user' as const });
  const stacks: LeakStack[] = [
    { pid: 3, comm: 'x', count: 10, bytes: 1000, ageNs: 2.5e9, frames: [frame('leaky'), frame('main')] },
    { pid: 3, comm: 'x', count: 1, bytes: 8, ageNs: 1e9, frames: [] },
  ];
  const records = leakRecords(stacks, { resource: { attributes: {} }, scope: { name: 's' }, time: [5, 0], minAgeMs: 1000 });
  t.match(records[0], {
    eventName: 'process.memory.leak', severityNumber: 13, body: '1000 bytes in 10 blocks outstanding for more than 1000 ms, allocated at leaky',
    attributes: { 'process.memory.leak.rank': 1, 'process.memory.leak.bytes': 1000, 'process.memory.leak.count': 10, 'process.memory.leak.age_ms': 2500 },
  });
  t.same(records[0]?.attributes['process.memory.leak.stack'], ['leaky', 'main']);
  t.same(records[1]?.attributes['process.memory.leak.stack'], ['[unknown stack]'], 'a lost stack says so');
  const profile = leakProfile(stacks, [4, 0], 1e9);
  t.same(profile.sampleTypes, [{ type: 'inuse_space', unit: 'bytes' }, { type: 'inuse_objects', unit: 'count' }]);
  t.same(profile.samples.map((s) => s.values), [[1000, 10], [8, 1]]);
});

t.test('targets: libc names, /proc/PID/maps, and the messages', async (t) => {
  t.ok(isLibcName('/usr/lib/x86_64-linux-gnu/libc.so.6'));
  t.ok(isLibcName('/lib/libc-2.31.so'));
  t.notOk(isLibcName('/usr/lib/libcrypt.so.1'));
  t.notOk(isLibcName('/usr/lib/libc++.so.1'));
  const root = mkdtempSync(join(tmpdir(), 'alloc-proc-'));
  try {
    mkdirSync(join(root, '10'));
    writeFileSync(join(root, '10', 'maps'), [
      '55d0c0000000-55d0c0001000 r-xp 00001000 08:01 1 /usr/bin/prog',
      '7f0000000000-7f0000100000 r-xp 00028000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6',
    ].join('\n'));
    mkdirSync(join(root, '11'));
    writeFileSync(join(root, '11', 'maps'), '7f0000000000-7f0000100000 r-xp 00028000 08:01 2 /opt/containers/lib/libc.so.6\n');
    mkdirSync(join(root, '12'));
    writeFileSync(join(root, '12', 'maps'), '00400000-00500000 r-xp 00000000 08:01 3 /usr/local/bin/static\n');
    t.equal(libcOfPid(10, root), '/usr/lib/x86_64-linux-gnu/libc.so.6');
    t.equal(libcOfPid(11, root), `${root}/11/root/opt/containers/lib/libc.so.6`, 'a path only the process sees: through its root');
    t.equal(libcOfPid(12, root), undefined);
    t.same(resolveTargets({ pids: [10] }, root), [{ binary: '/usr/lib/x86_64-linux-gnu/libc.so.6', pid: 10 }]);
    t.throws(() => resolveTargets({ pids: [12] }, root), { message: 'pids: process 12 maps no C library (statically linked?); set binary to its executable' });
    t.throws(() => resolveTargets({ pids: [13] }, root), { message: 'pids: process 13 does not exist' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
