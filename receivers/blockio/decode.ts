/**
 * Decodes the blockio receiver's kernel records (bpf/blockio.h, offsets from
 * layout.ts): `hists` entries into metric points, `events` ring-buffer
 * records into `disk.request` spans.
 */
import type { Attributes, MetricRecord, Resource, Scope, SpanRecord } from '../../core/signals';
import type { RecordBatch } from '../../native/api';
import { checkMinSize, decodeFixedRecords, forEachCpu, readComm, readU64 } from '../../core/kernel/bpf-records';
import { CumulativePoints, counterPoint, histogramPoint, type PointBody, type ReadingContext } from '../../core/kernel/cumulative-points';
import { addSlots, emptySlots, log2Bounds, log2Histogram } from '../../core/kernel/log2-histogram';
import { nsToHrTime } from '../../core/kernel/clock';
import { randomIds } from '../../core/kernel/span-ids';
import { BLOCKIO_DIR_READ, BLOCKIO_DIR_WRITE, BLOCKIO_EVENT, BLOCKIO_KEY, BLOCKIO_N_SLOTS, BLOCKIO_VALUE } from './layout';

/** Metric names, OpenTelemetry style. */
export const BLOCKIO_METRICS = {
  io: 'disk.io',
  operations: 'disk.operations',
  duration: 'disk.operation.duration',
  queueTime: 'disk.operation.queue_time',
} as const;

/** The name of slow-request spans. */
export const SPAN_NAME = 'disk.request';

/** `disk.io.direction` of each BLOCKIO_DIR_* value. */
export const DIRECTION_NAMES: readonly string[] = ['read', 'write', 'flush', 'discard', 'other'];

/**
 * Upper bounds (seconds) of the latency histograms' buckets: slot i of the
 * kernel's log2 histogram holds [2^i, 2^(i+1)) ns, so bound i is 2^(i+1) ns;
 * the last slot is the overflow bucket (as `syscall.duration`).
 */
export const LATENCY_BOUNDS: readonly number[] = log2Bounds(BLOCKIO_N_SLOTS, 1e9);

/** One (disk, direction) series of `hists`, summed over CPUs. */
export interface SeriesEntry {
  /** Kernel dev_t of the disk. */
  dev: number;
  /** BLOCKIO_DIR_*. */
  dir: number;
  ops: number;
  bytes: number;
  sumNs: number;
  slots: number[];
  queued: number;
  queueSumNs: number;
  queueSlots: number[];
}

/** One request slower than the threshold. */
export interface SlowRequest {
  /** CLOCK_MONOTONIC ns. */
  issueNs: bigint;
  completeNs: bigint;
  /** 0n when the request was not seen at insert. */
  insertNs: bigint;
  sector: bigint;
  dev: number;
  bytes: number;
  dir: number;
  /** 0 when no task was current. */
  pid: number;
  /** blk_status_t, 0 for success. */
  status: number;
  comm: string;
}

/** Decodes `hists` entries (`[key, per-CPU values concatenated]`), summing the CPUs. */
export function decodeSeries(entries: Iterable<[Buffer, Buffer]>): SeriesEntry[] {
  const k = BLOCKIO_KEY.members;
  const v = BLOCKIO_VALUE.members;
  const out: SeriesEntry[] = [];
  for (const [key, value] of entries) {
    checkMinSize('hists key', key, BLOCKIO_KEY.size);
    checkMinSize('hists value', value, BLOCKIO_VALUE.size);
    const e: SeriesEntry = {
      dev: key.readUInt32LE(k.dev.offset), dir: key.readUInt32LE(k.dir.offset),
      ops: 0, bytes: 0, sumNs: 0, slots: emptySlots(BLOCKIO_N_SLOTS),
      queued: 0, queueSumNs: 0, queueSlots: emptySlots(BLOCKIO_N_SLOTS),
    };
    forEachCpu(value, BLOCKIO_VALUE.size, (base) => {
      e.ops += readU64(value, base + v.ops.offset);
      e.bytes += readU64(value, base + v.bytes.offset);
      e.sumNs += readU64(value, base + v.sum_ns.offset);
      addSlots(e.slots, value, base + v.slots.offset);
      e.queued += readU64(value, base + v.queued.offset);
      e.queueSumNs += readU64(value, base + v.queue_sum_ns.offset);
      addSlots(e.queueSlots, value, base + v.queue_slots.offset);
    });
    out.push(e);
  }
  return out.sort((a, b) => a.dev - b.dev || a.dir - b.dir);
}

/** What turning series into metric points needs besides the series. */
export interface MetricContext extends ReadingContext {
  /** The name of a disk by kernel dev_t (`MAJOR:MINOR` when sysfs does not know it). */
  deviceName(dev: number): string;
}

function histogram(description: string, slots: readonly number[], totalNs: number): PointBody {
  return histogramPoint(description, 's', log2Histogram(LATENCY_BOUNDS, slots, totalNs / 1e9));
}

/**
 * Turns decoded series into cumulative metric points: `disk.io` for read
 * and write, `disk.operations` and `disk.operation.duration` for every
 * direction, `disk.operation.queue_time` where queue times were measured.
 * Points past `max_series` fold into the overflow series, added up.
 */
export function toMetricRecords(series: readonly SeriesEntry[], ctx: MetricContext): MetricRecord[] {
  const points = new CumulativePoints(ctx);
  const add = (name: string, attributes: Attributes, point: PointBody): void => points.add(name, attributes, point);
  for (const e of series) {
    if (e.ops === 0 && e.bytes === 0) continue;
    const attributes: Attributes = { 'system.device': ctx.deviceName(e.dev), 'disk.io.direction': DIRECTION_NAMES[e.dir] ?? 'other' };
    if (e.dir === BLOCKIO_DIR_READ || e.dir === BLOCKIO_DIR_WRITE) {
      add(BLOCKIO_METRICS.io, attributes, counterPoint('Bytes read from or written to the disk, by completed requests.', 'By', e.bytes));
    }
    if (e.ops === 0) continue;
    add(BLOCKIO_METRICS.operations, attributes, counterPoint('Disk requests completed.', '{operation}', e.ops));
    add(BLOCKIO_METRICS.duration, attributes, histogram('Time disk requests took from issue to the driver to completion.', e.slots, e.sumNs));
    if (e.queued > 0) {
      add(BLOCKIO_METRICS.queueTime, attributes, histogram('Time disk requests waited in the I/O scheduler, from insert to issue.', e.queueSlots, e.queueSumNs));
    }
  }
  return points.records();
}

/** Decodes one `struct blockio_event`. */
export function decodeSlowRequest(buf: Buffer, offset = 0): SlowRequest {
  const m = BLOCKIO_EVENT.members;
  return {
    issueNs: buf.readBigUInt64LE(offset + m.issue_ns.offset),
    completeNs: buf.readBigUInt64LE(offset + m.complete_ns.offset),
    insertNs: buf.readBigUInt64LE(offset + m.insert_ns.offset),
    sector: buf.readBigUInt64LE(offset + m.sector.offset),
    dev: buf.readUInt32LE(offset + m.dev.offset),
    bytes: buf.readUInt32LE(offset + m.bytes.offset),
    dir: buf.readUInt32LE(offset + m.dir.offset),
    pid: buf.readUInt32LE(offset + m.pid.offset),
    status: buf.readUInt32LE(offset + m.status.offset),
    comm: readComm(buf, offset + m.comm.offset),
  };
}

/** Decodes every slow request of a ring-buffer batch; short records are counted in `malformed`. */
export function decodeSlowRequests(batch: RecordBatch): { events: SlowRequest[]; malformed: number } {
  return decodeFixedRecords(batch, BLOCKIO_EVENT.size, decodeSlowRequest);
}

/** What turning slow requests into spans needs. */
export interface SpanContext {
  resource: Resource;
  scope: Scope;
  /** Wall-clock ns minus CLOCK_MONOTONIC ns (see monotonicToWallOffset). */
  wallOffsetNs: bigint;
  /** The name of a disk by kernel dev_t. */
  deviceName(dev: number): string;
}

/**
 * One slow request as a `disk.request` span (kind INTERNAL) from its issue
 * to its completion. `process.*` name the task recorded at insert (or at
 * issue without an insert); left out when no task was current (pid 0).
 */
export function slowRequestToSpan(e: SlowRequest, ctx: SpanContext, ids = randomIds(1)[0]): SpanRecord {
  const attributes: Attributes = {
    'system.device': ctx.deviceName(e.dev),
    'disk.io.direction': DIRECTION_NAMES[e.dir] ?? 'other',
    'disk.request.sector': Number(e.sector),
    'disk.request.size': e.bytes,
  };
  if (e.insertNs > 0n && e.issueNs >= e.insertNs) attributes['disk.request.queue_time'] = Number(e.issueNs - e.insertNs) / 1e9;
  if (e.pid !== 0) {
    attributes['process.pid'] = e.pid;
    attributes['process.executable.name'] = e.comm;
  }
  const span: SpanRecord = {
    resource: ctx.resource,
    scope: ctx.scope,
    traceId: ids.traceId,
    spanId: ids.spanId,
    name: SPAN_NAME,
    kind: 0,
    startTime: nsToHrTime(e.issueNs + ctx.wallOffsetNs),
    endTime: nsToHrTime(e.completeNs + ctx.wallOffsetNs),
    attributes,
  };
  if (e.status !== 0) {
    attributes['error.type'] = `blk_status_${e.status}`;
    span.status = { code: 2, message: attributes['error.type'] };
  }
  return span;
}
