/** The blockio decoder on hand-built records: per-CPU sums, metric points, the series bound, spans. */
import t from 'tap';
import { ComponentTelemetry } from '../../../core/telemetry';
import { SeriesLimiter } from '../../../core/cardinality';
import {
  LATENCY_BOUNDS, decodeSeries, decodeSlowRequest, decodeSlowRequests, slowRequestToSpan, toMetricRecords, type MetricContext,
} from '../../../receivers/blockio/decode';
import { BLOCKIO_EVENT, BLOCKIO_KEY, BLOCKIO_N_SLOTS, BLOCKIO_VALUE } from '../../../receivers/blockio/layout';
import { kernelDev } from '../../../receivers/blockio/devices';

const VDA = kernelDev(254, 0);

function key(dev: number, dir: number): Buffer {
  const b = Buffer.alloc(BLOCKIO_KEY.size);
  b.writeUInt32LE(dev, BLOCKIO_KEY.members.dev.offset);
  b.writeUInt32LE(dir, BLOCKIO_KEY.members.dir.offset);
  return b;
}

/** A per-CPU value: one blockio_value per CPU, concatenated. */
function values(perCpu: Array<{ ops: number; bytes: number; sumNs: number; slot: number; queued?: number; queueSlot?: number }>): Buffer {
  const m = BLOCKIO_VALUE.members;
  const buf = Buffer.alloc(BLOCKIO_VALUE.size * perCpu.length);
  perCpu.forEach((v, cpu) => {
    const base = cpu * BLOCKIO_VALUE.size;
    buf.writeBigUInt64LE(BigInt(v.ops), base + m.ops.offset);
    buf.writeBigUInt64LE(BigInt(v.bytes), base + m.bytes.offset);
    buf.writeBigUInt64LE(BigInt(v.sumNs), base + m.sum_ns.offset);
    buf.writeBigUInt64LE(BigInt(v.ops), base + m.slots.offset + 8 * v.slot);
    if (v.queued) {
      buf.writeBigUInt64LE(BigInt(v.queued), base + m.queued.offset);
      buf.writeBigUInt64LE(1000n, base + m.queue_sum_ns.offset);
      buf.writeBigUInt64LE(BigInt(v.queued), base + m.queue_slots.offset + 8 * (v.queueSlot ?? 0));
    }
  });
  return buf;
}

function context(maxSeries = 100): MetricContext & { telemetry: ComponentTelemetry } {
  const telemetry = new ComponentTelemetry('blockio', 'receiver');
  return {
    resource: { attributes: {} }, scope: { name: 'test' }, startTime: [1, 0], time: [2, 0], telemetry,
    limiter: new SeriesLimiter(maxSeries, telemetry), deviceName: (dev) => (dev === VDA ? 'vda' : `${dev >>> 20}:${dev & 0xfffff}`),
  };
}

t.test('per-CPU values are summed; directions become metric points', async (t) => {
  const series = decodeSeries([
    [key(VDA, 1), values([{ ops: 3, bytes: 12288, sumNs: 300_000, slot: 16, queued: 3, queueSlot: 10 }, { ops: 2, bytes: 8192, sumNs: 250_000, slot: 16 }])],
    [key(VDA, 2), values([{ ops: 4, bytes: 0, sumNs: 40_000, slot: 13 }])],
    [key(kernelDev(8, 0), 0), values([{ ops: 1, bytes: 4096, sumNs: 1000, slot: 9 }])],
  ]);
  t.same(series.map((s) => [s.dev, s.dir, s.ops, s.bytes, s.sumNs, s.queued]), [
    [kernelDev(8, 0), 0, 1, 4096, 1000, 0],
    [VDA, 1, 5, 20480, 550_000, 3],
    [VDA, 2, 4, 0, 40_000, 0],
  ]);
  t.equal(series[1].slots[16], 5);
  t.equal(series[1].queueSlots[10], 3);
  const records = toMetricRecords(series, context());
  const find = (name: string, device: string, dir: string) => records.find((r) => r.name === name && r.attributes['system.device'] === device && r.attributes['disk.io.direction'] === dir);
  t.match(find('disk.io', 'vda', 'write'), { value: 20480, unit: 'By', type: 'sum', monotonic: true });
  t.match(find('disk.operations', 'vda', 'write'), { value: 5, unit: '{operation}' });
  t.equal(find('disk.io', 'vda', 'flush'), undefined, 'no disk.io for flush');
  t.match(find('disk.operations', 'vda', 'flush'), { value: 4 });
  t.match(find('disk.io', '8:0', 'read'), { value: 4096 }, 'an unknown device is named MAJOR:MINOR');
  const h = find('disk.operation.duration', 'vda', 'write')?.histogram;
  t.equal(h?.count, 5);
  t.equal(h?.counts.length, BLOCKIO_N_SLOTS);
  t.equal(h?.bounds.length, BLOCKIO_N_SLOTS - 1);
  t.equal(h?.sum, 550_000 / 1e9);
  t.equal(LATENCY_BOUNDS[15], 65536 / 1e9, 'slot 16 holds [65.5 us, 131 us)');
  t.match(find('disk.operation.queue_time', 'vda', 'write')?.histogram, { count: 3, sum: 1000 / 1e9 });
  t.equal(find('disk.operation.queue_time', 'vda', 'flush'), undefined, 'no queue time where none was measured');
});

t.test('past max_series, series fold into overflow and are added up', async (t) => {
  const ctx = context(1);
  const series = decodeSeries([
    [key(VDA, 0), values([{ ops: 1, bytes: 4096, sumNs: 10, slot: 3 }])],
    [key(VDA, 1), values([{ ops: 2, bytes: 8192, sumNs: 20, slot: 4 }])],
    [key(VDA, 2), values([{ ops: 3, bytes: 0, sumNs: 30, slot: 4 }])],
  ]);
  const records = toMetricRecords(series, ctx);
  const ops = records.filter((r) => r.name === 'disk.operations');
  t.same(ops.map((r) => [r.attributes, r.value]), [[{ 'system.device': 'vda', 'disk.io.direction': 'read' }, 1], [{ overflow: true }, 5]]);
  t.equal(records.find((r) => r.name === 'disk.operation.duration' && r.attributes.overflow)?.histogram?.count, 5);
  t.ok(ctx.telemetry.folded > 0, 'folded points are counted');
});

t.test('a slow request becomes a disk.request span', async (t) => {
  const m = BLOCKIO_EVENT.members;
  const buf = Buffer.alloc(BLOCKIO_EVENT.size);
  buf.writeBigUInt64LE(2_000_000n, m.issue_ns.offset);
  buf.writeBigUInt64LE(2_500_000n, m.complete_ns.offset);
  buf.writeBigUInt64LE(1_900_000n, m.insert_ns.offset);
  buf.writeBigUInt64LE(123456n, m.sector.offset);
  buf.writeUInt32LE(VDA, m.dev.offset);
  buf.writeUInt32LE(4096, m.bytes.offset);
  buf.writeUInt32LE(1, m.dir.offset);
  buf.writeUInt32LE(42, m.pid.offset);
  buf.writeUInt32LE(0, m.status.offset);
  buf.write('directio', m.comm.offset);
  const e = decodeSlowRequest(buf);
  const span = slowRequestToSpan(e, { resource: { attributes: {} }, scope: { name: 'test' }, wallOffsetNs: 1_000_000_000n, deviceName: () => 'vda' });
  t.equal(span.name, 'disk.request');
  t.same(span.startTime, [1, 2_000_000]);
  t.same(span.endTime, [1, 2_500_000]);
  t.same(span.attributes, {
    'system.device': 'vda', 'disk.io.direction': 'write', 'disk.request.sector': 123456, 'disk.request.size': 4096,
    'disk.request.queue_time': 0.0001, 'process.pid': 42, 'process.executable.name': 'directio',
  });
  t.equal(span.status, undefined);

  buf.writeUInt32LE(0, m.pid.offset);
  buf.writeBigUInt64LE(0n, m.insert_ns.offset);
  buf.writeUInt32LE(10, m.status.offset);
  const failed = slowRequestToSpan(decodeSlowRequest(buf), { resource: { attributes: {} }, scope: { name: 'test' }, wallOffsetNs: 0n, deviceName: () => 'vda' });
  t.equal(failed.attributes['process.pid'], undefined, 'no process attributes for pid 0');
  t.equal(failed.attributes['disk.request.queue_time'], undefined, 'no queue time without an insert');
  t.match(failed, { attributes: { 'error.type': 'blk_status_10' }, status: { code: 2 } });

  // A batch: one good record, one short one.
  const batch = Buffer.alloc(8 + BLOCKIO_EVENT.size + 8 + 8);
  batch.writeUInt32LE(BLOCKIO_EVENT.size, 0);
  buf.copy(batch, 8);
  batch.writeUInt32LE(8, 8 + BLOCKIO_EVENT.size);
  const { events, malformed } = decodeSlowRequests({ buffer: batch, count: 2 });
  t.equal(events.length, 1);
  t.equal(malformed, 1);
});
