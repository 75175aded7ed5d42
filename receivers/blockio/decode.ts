/**
 * Decodes the blockio receiver's kernel records (bpf/blockio.h, offsets from
 * layout.ts): `hists` entries into metric points, `events` ring-buffer
 * records into `disk.request` spans.
 */
import { randomBytes } from 'node:crypto';
import type { Attributes, HrTime, MetricRecord, Resource, Scope, SpanRecord } from '../../core/signals';
import type { SeriesLimiter } from '../../core/cardinality';
import type { RecordBatch } from '../../native/api';
import { decodeFixedRecords, perCpuStride, readComm, readU64 } from '../../core/kernel/bpf-records';
import { nsToHrTime } from '../../core/kernel/clock';
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
export const LATENCY_BOUNDS: readonly number[] = Array.from({ length: BLOCKIO_N_SLOTS - 1 }, (_, i) => 2 ** (i + 1) / 1e9);

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

function checkSize(what: string, buf: Buffer, size: number): void {
  if (buf.length < size) throw new Error(`${what}: expected at least ${size} bytes, got ${buf.length}`);
}

function addSlots(into: number[], buf: Buffer, offset: number): void {
  for (let i = 0; i < BLOCKIO_N_SLOTS; i++) into[i] += readU64(buf, offset + i * 8);
}

/** Decodes `hists` entries (`[key, per-CPU values concatenated]`), summing the CPUs. */
export function decodeSeries(entries: Iterable<[Buffer, Buffer]>): SeriesEntry[] {
  const k = BLOCKIO_KEY.members;
  const v = BLOCKIO_VALUE.members;
  const stride = perCpuStride(BLOCKIO_VALUE.size);
  const out: SeriesEntry[] = [];
  for (const [key, value] of entries) {
    checkSize('hists key', key, BLOCKIO_KEY.size);
    checkSize('hists value', value, BLOCKIO_VALUE.size);
    const e: SeriesEntry = {
      dev: key.readUInt32LE(k.dev.offset), dir: key.readUInt32LE(k.dir.offset),
      ops: 0, bytes: 0, sumNs: 0, slots: new Array<number>(BLOCKIO_N_SLOTS).fill(0),
      queued: 0, queueSumNs: 0, queueSlots: new Array<number>(BLOCKIO_N_SLOTS).fill(0),
    };
    for (let base = 0; base + BLOCKIO_VALUE.size <= value.length; base += stride) {
      e.ops += readU64(value, base + v.ops.offset);
      e.bytes += readU64(value, base + v.bytes.offset);
      e.sumNs += readU64(value, base + v.sum_ns.offset);
      addSlots(e.slots, value, base + v.slots.offset);
      e.queued += readU64(value, base + v.queued.offset);
      e.queueSumNs += readU64(value, base + v.queue_sum_ns.offset);
      addSlots(e.queueSlots, value, base + v.queue_slots.offset);
    }
    out.push(e);
  }
  return out.sort((a, b) => a.dev - b.dev || a.dir - b.dir);
}

/** What turning series into metric points needs besides the series. */
export interface MetricContext {
  resource: Resource;
  scope: Scope;
  /** Start of the cumulative series (the load of the programs). */
  startTime: HrTime;
  /** Time of this reading. */
  time: HrTime;
  /** The name of a disk by kernel dev_t (`MAJOR:MINOR` when sysfs does not know it). */
  deviceName(dev: number): string;
  /** Bounds the number of series per metric (`max_series`). */
  limiter: SeriesLimiter;
}

type PointBody = Omit<MetricRecord, 'resource' | 'scope' | 'name' | 'attributes' | 'startTime' | 'time'>;

function sum(slots: readonly number[]): number {
  return slots.reduce((a, b) => a + b, 0);
}

function counter(description: string, unit: string, value: number): PointBody {
  return { description, unit, type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', value };
}

function histogram(description: string, counts: readonly number[], totalNs: number): PointBody {
  return {
    description, unit: 's', type: 'histogram', temporality: 'cumulative', valueType: 'double',
    histogram: { bounds: LATENCY_BOUNDS as number[], counts: [...counts], sum: totalNs / 1e9, count: sum(counts) },
  };
}

/**
 * Turns decoded series into cumulative metric points: `disk.io` for read
 * and write, `disk.operations` and `disk.operation.duration` for every
 * direction, `disk.operation.queue_time` where queue times were measured.
 * Points past `max_series` fold into the overflow series, added up.
 */
export function toMetricRecords(series: readonly SeriesEntry[], ctx: MetricContext): MetricRecord[] {
  const { resource, scope, startTime, time, limiter } = ctx;
  const out = new Map<string, MetricRecord>();
  const add = (name: string, own: Attributes, point: PointBody): void => {
    const attributes = limiter.admit(name, own);
    const id = `${name}\u0000${JSON.stringify(attributes)}`;
    const prev = out.get(id);
    if (!prev) {
      out.set(id, { resource, scope, name, attributes, startTime, time, ...point });
    } else if (prev.histogram && point.histogram) {
      const h = prev.histogram;
      const counts = point.histogram.counts;
      h.counts = h.counts.map((n, i) => n + counts[i]);
      h.sum += point.histogram.sum;
      h.count += point.histogram.count;
    } else {
      prev.value = (prev.value ?? 0) + (point.value ?? 0);
    }
  };
  for (const e of series) {
    if (e.ops === 0 && e.bytes === 0) continue;
    const attributes: Attributes = { 'system.device': ctx.deviceName(e.dev), 'disk.io.direction': DIRECTION_NAMES[e.dir] ?? 'other' };
    if (e.dir === BLOCKIO_DIR_READ || e.dir === BLOCKIO_DIR_WRITE) {
      add(BLOCKIO_METRICS.io, attributes, counter('Bytes read from or written to the disk, by completed requests.', 'By', e.bytes));
    }
    if (e.ops === 0) continue;
    add(BLOCKIO_METRICS.operations, attributes, counter('Disk requests completed.', '{operation}', e.ops));
    add(BLOCKIO_METRICS.duration, attributes, histogram('Time disk requests took from issue to the driver to completion.', e.slots, e.sumNs));
    if (e.queued > 0) {
      add(BLOCKIO_METRICS.queueTime, attributes, histogram('Time disk requests waited in the I/O scheduler, from insert to issue.', e.queueSlots, e.queueSumNs));
    }
  }
  return [...out.values()];
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

/** Random trace and span ids for `n` spans, from one call to the CSPRNG. */
export function randomIds(n: number): Array<{ traceId: string; spanId: string }> {
  const bytes = randomBytes(24 * n);
  const out: Array<{ traceId: string; spanId: string }> = [];
  for (let i = 0; i < n; i++) {
    out.push({ traceId: bytes.toString('hex', 24 * i, 24 * i + 16), spanId: bytes.toString('hex', 24 * i + 16, 24 * i + 24) });
  }
  return out;
}
