/**
 * Decodes the syscall receiver's kernel records (bpf/syscall.h, offsets from
 * layout.ts): `hists` and `errors` map entries into metric points, `events`
 * ring-buffer records into spans.
 */
import { randomBytes } from 'node:crypto';
import type { Attributes, HrTime, MetricRecord, Resource, Scope, SpanRecord } from '../../core/signals';
import type { RecordBatch } from '../../native/api';
import { SLOW_EVENT, SYSCALL_ERROR_KEY, SYSCALL_KEY, SYSCALL_LATENCY, SYSCALL_N_SLOTS, SYSCALL_VALUE, U64_SIZE } from './layout';
import { errnoName, syscallName, type SyscallTable } from './syscall-table';
import { checkMinSize, decodeFixedRecords, forEachCpu, readComm, readU64, sumPerCpuU64 } from '../../core/kernel/bpf-records';
import { addSlots, emptySlots, log2Bounds, log2Histogram, slotsTotal } from '../../core/kernel/log2-histogram';
import { nsToHrTime } from '../../core/kernel/clock';

/** Metric names, OpenTelemetry style. */
export const SYSCALL_METRICS = {
  calls: 'syscall.calls',
  errors: 'syscall.errors',
  duration: 'syscall.duration',
} as const;

/** A return value in [-MAX_ERRNO, -1] is a failure (as the kernel's IS_ERR_VALUE). */
export const MAX_ERRNO = 4095;

/**
 * Upper bounds (seconds) of `syscall.duration`'s buckets: slot i of the
 * kernel's log2 histogram holds [2^i, 2^(i+1)) ns, so bound i is 2^(i+1) ns;
 * the last slot is the overflow bucket.
 */
export const DURATION_BOUNDS: readonly number[] = log2Bounds(SYSCALL_N_SLOTS, 1e9);

/** One series (a `hists` entry, or one id of `calls` and `latency_by_id`), summed over CPUs. */
export interface HistEntry {
  id: number;
  /** 0 unless `per_process`. */
  pid: number;
  /** Empty unless `per_process`. */
  comm: string;
  calls: number;
  sumNs: number;
  /** Calls per log2 slot. */
  slots: number[];
}

/** One `errors` entry, summed over CPUs. */
export interface ErrorEntry {
  id: number;
  pid: number;
  comm: string;
  /** Positive errno. */
  errno: number;
  count: number;
}

/** One call slower than the threshold. */
export interface SlowEvent {
  /** CLOCK_MONOTONIC ns. */
  startNs: bigint;
  endNs: bigint;
  ret: number;
  pid: number;
  tid: number;
  id: number;
  comm: string;
}

/** Decodes `hists` entries (`[key, per-CPU values concatenated]`), summing the CPUs. */
export function decodeHists(entries: Iterable<[Buffer, Buffer]>): HistEntry[] {
  const k = SYSCALL_KEY.members;
  const v = SYSCALL_VALUE.members;
  const out: HistEntry[] = [];
  for (const [key, value] of entries) {
    checkMinSize('hists key', key, SYSCALL_KEY.size);
    checkMinSize('hists value', value, SYSCALL_VALUE.size);
    const slots = emptySlots(SYSCALL_N_SLOTS);
    let calls = 0;
    let sumNs = 0;
    forEachCpu(value, SYSCALL_VALUE.size, (base) => {
      calls += readU64(value, base + v.calls.offset);
      sumNs += readU64(value, base + v.sum_ns.offset);
      addSlots(slots, value, base + v.slots.offset);
    });
    out.push({
      id: key.readUInt32LE(k.id.offset),
      pid: key.readUInt32LE(k.pid.offset),
      comm: readComm(key, k.comm.offset),
      calls,
      sumNs,
      slots,
    });
  }
  return out;
}

/**
 * Decodes the by-id arrays: `calls` entries (`[u32 id, one __u64 per CPU]`)
 * and, when latency is on, `latency_by_id` entries (`[u32 id, struct
 * syscall_latency per CPU]`). Ids never called are left out.
 */
export function decodeById(calls: Iterable<[Buffer, Buffer]>, latency?: Iterable<[Buffer, Buffer]>): HistEntry[] {
  const byId = new Map<number, HistEntry>();
  for (const [key, value] of calls) {
    checkMinSize('calls key', key, 4);
    const n = sumPerCpuU64(value);
    if (n === 0) continue;
    const id = key.readUInt32LE(0);
    byId.set(id, { id, pid: 0, comm: '', calls: n, sumNs: 0, slots: emptySlots(SYSCALL_N_SLOTS) });
  }
  const m = SYSCALL_LATENCY.members;
  for (const [key, value] of latency ?? []) {
    checkMinSize('latency_by_id key', key, 4);
    checkMinSize('latency_by_id value', value, SYSCALL_LATENCY.size);
    const entry = byId.get(key.readUInt32LE(0));
    if (!entry) continue;
    forEachCpu(value, SYSCALL_LATENCY.size, (base) => {
      entry.sumNs += readU64(value, base + m.sum_ns.offset);
      addSlots(entry.slots, value, base + m.slots.offset);
    });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Decodes `errors` entries (`[key, one __u64 per CPU]`), summing the CPUs. */
export function decodeErrors(entries: Iterable<[Buffer, Buffer]>): ErrorEntry[] {
  const k = SYSCALL_ERROR_KEY.members;
  const out: ErrorEntry[] = [];
  for (const [key, value] of entries) {
    checkMinSize('errors key', key, SYSCALL_ERROR_KEY.size);
    checkMinSize('errors value', value, U64_SIZE);
    const count = sumPerCpuU64(value);
    out.push({
      id: key.readUInt32LE(k.id.offset),
      pid: key.readUInt32LE(k.pid.offset),
      comm: readComm(key, k.comm.offset),
      errno: key.readUInt32LE(k.err.offset),
      count,
    });
  }
  return out;
}

/** Decodes one `struct slow_event`. */
export function decodeSlowEvent(buf: Buffer, offset = 0): SlowEvent {
  const m = SLOW_EVENT.members;
  return {
    startNs: buf.readBigUInt64LE(offset + m.start_ns.offset),
    endNs: buf.readBigUInt64LE(offset + m.end_ns.offset),
    ret: Number(buf.readBigInt64LE(offset + m.ret.offset)),
    pid: buf.readUInt32LE(offset + m.pid.offset),
    tid: buf.readUInt32LE(offset + m.tid.offset),
    id: buf.readUInt32LE(offset + m.id.offset),
    comm: readComm(buf, offset + m.comm.offset),
  };
}

/**
 * Walks a ring-buffer {@link RecordBatch} (`[u32 length][u32 pad][bytes,
 * padded to 8]` per record) and decodes every slow event. A record shorter
 * than `struct slow_event` is skipped and counted in `malformed`.
 */
export function decodeSlowEvents(batch: RecordBatch): { events: SlowEvent[]; malformed: number } {
  return decodeFixedRecords(batch, SLOW_EVENT.size, decodeSlowEvent);
}

/** What turning kernel records into signal records needs besides the records. */
export interface DecodeContext {
  resource: Resource;
  scope: Scope;
  table: SyscallTable;
  /** Whether series carry `process.pid` and `process.executable.name`. */
  perProcess: boolean;
  /** Whether `syscall.duration` is emitted. */
  latency: boolean;
  /** Start of the cumulative series (the load of the programs). */
  startTime: HrTime;
  /** Time of this reading. */
  time: HrTime;
}

function seriesAttributes(ctx: DecodeContext, id: number, pid: number, comm: string): Attributes {
  const attributes: Attributes = { 'syscall.name': syscallName(ctx.table, id) };
  if (ctx.perProcess) {
    attributes['process.executable.name'] = comm;
    attributes['process.pid'] = pid;
  }
  return attributes;
}

/** Turns decoded `hists` and `errors` entries into cumulative metric points. */
export function toMetricRecords(hists: readonly HistEntry[], errors: readonly ErrorEntry[], ctx: DecodeContext): MetricRecord[] {
  const { resource, scope, startTime, time } = ctx;
  const out: MetricRecord[] = [];
  for (const h of hists) {
    const attributes = seriesAttributes(ctx, h.id, h.pid, h.comm);
    out.push({
      resource, scope, name: SYSCALL_METRICS.calls, description: 'System calls made.', unit: '{call}',
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', attributes, startTime, time, value: h.calls,
    });
    if (!ctx.latency) continue;
    if (slotsTotal(h.slots) === 0) continue;
    out.push({
      resource, scope, name: SYSCALL_METRICS.duration, description: 'Duration of system calls.', unit: 's',
      type: 'histogram', temporality: 'cumulative', valueType: 'double', attributes: { ...attributes }, startTime, time,
      histogram: log2Histogram(DURATION_BOUNDS, h.slots, h.sumNs / 1e9),
    });
  }
  for (const e of errors) {
    const attributes = seriesAttributes(ctx, e.id, e.pid, e.comm);
    attributes['error.type'] = errnoName(e.errno);
    out.push({
      resource, scope, name: SYSCALL_METRICS.errors, description: 'System calls that failed, by errno.', unit: '{error}',
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', attributes, startTime, time, value: e.count,
    });
  }
  return out;
}

/** What turning slow events into spans needs. */
export interface SpanContext {
  resource: Resource;
  scope: Scope;
  table: SyscallTable;
  /** Wall-clock ns minus CLOCK_MONOTONIC ns (see {@link monotonicToWallOffset}). */
  wallOffsetNs: bigint;
}

/** One slow call as a span named after the syscall. */
export function slowEventToSpan(e: SlowEvent, ctx: SpanContext): SpanRecord {
  const name = syscallName(ctx.table, e.id);
  const attributes: Attributes = {
    'process.pid': e.pid,
    'thread.id': e.tid,
    'process.executable.name': e.comm,
    'syscall.name': name,
    'syscall.return_value': e.ret,
  };
  const failed = e.ret < 0 && e.ret >= -MAX_ERRNO;
  if (failed) attributes['error.type'] = errnoName(-e.ret);
  const span: SpanRecord = {
    resource: ctx.resource,
    scope: ctx.scope,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name,
    kind: 0,
    startTime: nsToHrTime(e.startNs + ctx.wallOffsetNs),
    endTime: nsToHrTime(e.endNs + ctx.wallOffsetNs),
    attributes,
  };
  if (failed) span.status = { code: 2, message: attributes['error.type'] as string };
  return span;
}
