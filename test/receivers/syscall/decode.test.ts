/** The decoder on hand-built kernel records (offsets from layout.ts, values chosen by hand). */
import t from 'tap';
import { DURATION_BOUNDS, decodeById, decodeErrors, decodeHists, decodeSlowEvents, slowEventToSpan, toMetricRecords, type DecodeContext } from '../../../receivers/syscall/decode';
import { SLOW_EVENT, SYSCALL_LATENCY, SYSCALL_N_SLOTS, SYSCALL_VALUE } from '../../../receivers/syscall/layout';
import { syscallTable } from '../../../receivers/syscall/syscall-table';
import { perCpuStride, readU64 } from '../../../core/kernel/bpf-records';
import { nsToHrTime } from '../../../core/kernel/clock';

const table = syscallTable('x64');
const resource = { attributes: { 'service.name': 'test' } };
const scope = { name: 'ebpf-pipeline/receiver/syscall' };

function key(id: number, pid: number, comm: string): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(id, 0);
  b.writeUInt32LE(pid, 4);
  b.write(comm, 8, 'utf8');
  return b;
}

/** One CPU's `struct syscall_value`. */
function value(calls: number, sumNs: number, slots: Record<number, number> = {}): Buffer {
  const b = Buffer.alloc(SYSCALL_VALUE.size);
  b.writeBigUInt64LE(BigInt(calls), 0);
  b.writeBigUInt64LE(BigInt(sumNs), 8);
  for (const [slot, n] of Object.entries(slots)) b.writeBigUInt64LE(BigInt(n), 16 + 8 * Number(slot));
  return b;
}

function errorKey(id: number, pid: number, comm: string, errno: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(id, 0);
  b.writeUInt32LE(pid, 4);
  b.write(comm, 8, 'utf8');
  b.writeUInt32LE(errno, 24);
  return b;
}

function u64s(...values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 8 * i));
  return b;
}

t.test('u64 and strides', async (t) => {
  t.equal(readU64(u64s(2 ** 40 + 7), 0), 2 ** 40 + 7);
  t.equal(perCpuStride(304), 304);
  t.equal(perCpuStride(12), 16);
});

t.test('hists: per-CPU values are summed', async (t) => {
  const entries: Array<[Buffer, Buffer]> = [
    [key(110, 0, 'sctest'), Buffer.concat([value(3, 3000, { 9: 2, 10: 1 }), value(4, 1000, { 7: 4 })])],
    [key(0, 42, 'a-full-15-chars'), value(1, 5, { 2: 1 })],
  ];
  const hists = decodeHists(entries);
  t.equal(hists.length, 2);
  t.same({ ...hists[0], slots: undefined }, { id: 110, pid: 0, comm: 'sctest', calls: 7, sumNs: 4000, slots: undefined });
  t.equal(hists[0].slots.length, SYSCALL_N_SLOTS);
  t.same([hists[0].slots[7], hists[0].slots[9], hists[0].slots[10]], [4, 2, 1]);
  t.equal(hists[1].comm, 'a-full-15-chars');
  t.equal(hists[1].pid, 42);
  t.throws(() => decodeHists([[Buffer.alloc(8), value(1, 1)]]), /hists key: expected at least 24 bytes/);
});

function idKey(id: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(id);
  return b;
}

/** One CPU's `struct syscall_latency`. */
function latency(sumNs: number, slots: Record<number, number> = {}): Buffer {
  const b = Buffer.alloc(SYSCALL_LATENCY.size);
  b.writeBigUInt64LE(BigInt(sumNs), 0);
  for (const [slot, n] of Object.entries(slots)) b.writeBigUInt64LE(BigInt(n), 8 + 8 * Number(slot));
  return b;
}

t.test('by-id arrays: ids never called are left out, CPUs summed, latency merged', async (t) => {
  const calls: Array<[Buffer, Buffer]> = [[idKey(0), u64s(0, 0)], [idKey(110), u64s(3, 4)], [idKey(3), u64s(0, 2)]];
  const lat: Array<[Buffer, Buffer]> = [
    [idKey(0), Buffer.concat([latency(0), latency(0)])],
    [idKey(110), Buffer.concat([latency(300, { 6: 3 }), latency(400, { 6: 2, 7: 2 })])],
  ];
  const entries = decodeById(calls, lat);
  t.same(entries.map((e) => [e.id, e.pid, e.comm, e.calls, e.sumNs]), [[3, 0, '', 2, 0], [110, 0, '', 7, 700]]);
  t.same([entries[1].slots[6], entries[1].slots[7]], [5, 2]);
  t.same(decodeById(calls).map((e) => e.sumNs), [0, 0], 'without latency');
});

t.test('errors: per-CPU counts are summed', async (t) => {
  const errors = decodeErrors([[errorKey(3, 0, 'sctest', 9), u64s(5, 2)]]);
  t.same(errors, [{ id: 3, pid: 0, comm: 'sctest', errno: 9, count: 7 }]);
});

t.test('metric records', async (t) => {
  const ctx: DecodeContext = { resource, scope, table, perProcess: false, latency: true, startTime: [100, 0], time: [110, 5] };
  const hists = decodeHists([[key(110, 0, 'sctest'), value(5, 2500, { 8: 3, 9: 2 })]]);
  const errors = decodeErrors([[errorKey(3, 0, 'sctest', 9), u64s(4)]]);
  const records = toMetricRecords(hists, errors, ctx);
  t.same(records.map((r) => [r.name, r.type, r.unit, r.attributes]), [
    ['syscall.calls', 'sum', '{call}', { 'syscall.name': 'getppid' }],
    ['syscall.duration', 'histogram', 's', { 'syscall.name': 'getppid' }],
    ['syscall.errors', 'sum', '{error}', { 'syscall.name': 'close', 'error.type': 'EBADF' }],
  ]);
  const [calls, duration, errs] = records;
  t.match(calls, { value: 5, monotonic: true, temporality: 'cumulative', valueType: 'int', startTime: [100, 0], time: [110, 5] });
  t.equal(errs.value, 4);
  t.equal(duration.histogram?.count, 5);
  t.equal(duration.histogram?.sum, 2500 / 1e9);
  t.equal(duration.histogram?.bounds.length, SYSCALL_N_SLOTS - 1);
  t.equal(duration.histogram?.counts.length, SYSCALL_N_SLOTS);
  t.equal(duration.histogram?.bounds[0], 2e-9, 'slot 0 is [0, 2) ns');
  t.equal(duration.histogram?.bounds[22], 8.388608e-3, 'slot 22 ([4.19 ms, 8.39 ms)) ends at 2^23 ns');
  t.equal(duration.histogram?.bounds[21], 4.194304e-3);
  t.equal(DURATION_BOUNDS[SYSCALL_N_SLOTS - 2], 2 ** 35 / 1e9);

  const perProcess = toMetricRecords(decodeHists([[key(110, 42, 'sctest'), value(1, 0)]]), [], { ...ctx, perProcess: true, latency: false });
  t.same(perProcess.map((r) => [r.name, r.attributes]), [
    ['syscall.calls', { 'syscall.name': 'getppid', 'process.executable.name': 'sctest', 'process.pid': 42 }],
  ], 'process attributes only per process; no histogram without latency');
});

function slowEvent(fields: { start: bigint; end: bigint; ret: bigint; pid: number; tid: number; id: number; comm: string }): Buffer {
  const m = SLOW_EVENT.members;
  const b = Buffer.alloc(SLOW_EVENT.size);
  b.writeBigUInt64LE(fields.start, m.start_ns.offset);
  b.writeBigUInt64LE(fields.end, m.end_ns.offset);
  b.writeBigInt64LE(fields.ret, m.ret.offset);
  b.writeUInt32LE(fields.pid, m.pid.offset);
  b.writeUInt32LE(fields.tid, m.tid.offset);
  b.writeUInt32LE(fields.id, m.id.offset);
  b.write(fields.comm, m.comm.offset, 'utf8');
  return b;
}

/** A record batch as the native reader hands it over: `[u32 len][u32 pad][bytes padded to 8]`. */
function recordBatch(records: Buffer[]): { buffer: Buffer; count: number } {
  const parts: Buffer[] = [];
  for (const r of records) {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(r.length, 0);
    parts.push(header, r, Buffer.alloc(perCpuStride(r.length) - r.length));
  }
  return { buffer: Buffer.concat(parts), count: records.length };
}

t.test('slow events to spans', async (t) => {
  const batch = recordBatch([
    slowEvent({ start: 1_000_000_000n, end: 1_020_000_000n, ret: 0n, pid: 7, tid: 8, id: 230, comm: 'sctest' }),
    Buffer.alloc(12),
    slowEvent({ start: 5n, end: 6n, ret: -9n, pid: 7, tid: 9, id: 3, comm: 'sctest' }),
  ]);
  const { events, malformed } = decodeSlowEvents(batch);
  t.equal(malformed, 1, 'a short record is counted, not decoded');
  t.same(events[0], { startNs: 1_000_000_000n, endNs: 1_020_000_000n, ret: 0, pid: 7, tid: 8, id: 230, comm: 'sctest' });
  t.equal(events[1].ret, -9);

  const ctx = { resource, scope, table, wallOffsetNs: 1_700_000_000_000_000_000n };
  const span = slowEventToSpan(events[0], ctx);
  t.equal(span.name, 'clock_nanosleep');
  t.equal(span.kind, 0);
  t.match(span.traceId, /^[0-9a-f]{32}$/);
  t.match(span.spanId, /^[0-9a-f]{16}$/);
  t.same(span.startTime, [1_700_000_001, 0]);
  t.same(span.endTime, [1_700_000_001, 20_000_000]);
  t.same(span.attributes, {
    'process.pid': 7, 'thread.id': 8, 'process.executable.name': 'sctest', 'syscall.name': 'clock_nanosleep', 'syscall.return_value': 0,
  });
  t.equal(span.status, undefined);
  const failed = slowEventToSpan(events[1], ctx);
  t.equal(failed.attributes['error.type'], 'EBADF');
  t.same(failed.status, { code: 2, message: 'EBADF' });
  t.same(nsToHrTime(1_500_000_001n), [1, 500_000_001]);
});
