/**
 * Decodes the tcp receiver's kernel records (bpf/tcp.h, offsets from
 * layout.ts): `hists` entries into metric points, `events` ring-buffer
 * records into `tcp.connection` spans and log records.
 */
import type { Attributes, LogRecord, MetricRecord, Resource, Scope, SpanKind, SpanRecord } from '../../core/signals';
import type { RecordBatch } from '../../native/api';
import {
  TCP_CLOSE_EVENT, TCP_DIR_INBOUND, TCP_DIR_OUTBOUND, TCP_N_SLOTS, TCP_RTT_SLOTS, TCP_SERIES, TCP_SERIES_KEY,
} from './layout';
import { checkMinSize, decodeFixedRecords, forEachCpu, readComm, readU64 } from '../../core/kernel/bpf-records';
import { CumulativePoints, counterPoint, histogramPoint, type PointBody, type ReadingContext } from '../../core/kernel/cumulative-points';
import { addSlots, emptySlots, log2Bounds, log2Histogram, slotsTotal } from '../../core/kernel/log2-histogram';
import { nsToHrTime } from '../../core/kernel/clock';
import { randomIds } from '../../core/kernel/span-ids';

/** Metric names, OpenTelemetry style. */
export const TCP_METRICS = {
  opened: 'tcp.connections.opened',
  closed: 'tcp.connections.closed',
  duration: 'tcp.connection.duration',
  connect: 'tcp.connect.duration',
  retransmits: 'tcp.retransmits',
  resets: 'tcp.resets',
  rtt: 'tcp.rtt',
  io: 'tcp.io',
} as const;

/** `AF_INET` and `AF_INET6`. */
export const AF_INET = 2;
/** `AF_INET6`. */
export const AF_INET6 = 10;

/** Bucket upper bounds (s) of the ns log2 histograms: bound i is 2^(i+1) ns; the last slot is the overflow bucket. */
export const DURATION_BOUNDS: readonly number[] = log2Bounds(TCP_N_SLOTS, 1e9);
/** Bucket upper bounds (s) of `tcp.rtt` (us log2 slots): bound i is 2^(i+1) us. */
export const RTT_BOUNDS: readonly number[] = log2Bounds(TCP_RTT_SLOTS, 1e6);

/** One `hists` series, summed over CPUs. */
export interface SeriesEntry {
  direction: number;
  /** 0 unless peer_attributes. */
  family: number;
  peerPort: number;
  peerAddr: string;
  comm: string;
  opened: number;
  closed: number;
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  durationSumNs: number;
  durationSlots: number[];
  connectSumNs: number;
  connectSlots: number[];
  rttSumUs: number;
  rttSlots: number[];
}

/** One closed connection. */
export interface CloseEvent {
  /** CLOCK_MONOTONIC ns. */
  startNs: bigint;
  endNs: bigint;
  /** SYN_SENT -> ESTABLISHED ns; 0 for inbound or never established. */
  connectNs: number;
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  srttUs: number;
  pid: number;
  direction: number;
  family: number;
  localAddr: string;
  localPort: number;
  peerAddr: string;
  peerPort: number;
  comm: string;
}

/** An IP address from 16 bytes: IPv4 in the first 4 (AF_INET), else IPv6 in RFC 5952 form. */
export function formatAddress(family: number, buf: Buffer, offset: number): string {
  if (family === AF_INET) return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(offset + 2 * i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${buf[offset + 12]}.${buf[offset + 13]}.${buf[offset + 14]}.${buf[offset + 15]}`;
  }
  // The longest run of two or more zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** `network.connection.direction` of a kernel direction; undefined for sockets opened before the start. */
export function directionName(direction: number): 'inbound' | 'outbound' | undefined {
  return direction === TCP_DIR_INBOUND ? 'inbound' : direction === TCP_DIR_OUTBOUND ? 'outbound' : undefined;
}

/** Decodes `hists` entries (`[key, per-CPU values concatenated]`), summing the CPUs. */
export function decodeSeries(entries: Iterable<[Buffer, Buffer]>): SeriesEntry[] {
  const k = TCP_SERIES_KEY.members;
  const v = TCP_SERIES.members;
  const out: SeriesEntry[] = [];
  for (const [key, value] of entries) {
    checkMinSize('hists key', key, TCP_SERIES_KEY.size);
    checkMinSize('hists value', value, TCP_SERIES.size);
    const family = key.readUInt16LE(k.family.offset);
    const e: SeriesEntry = {
      direction: key.readUInt32LE(k.direction.offset),
      family,
      peerPort: key.readUInt16LE(k.peer_port.offset),
      peerAddr: family ? formatAddress(family, key, k.peer_addr.offset) : '',
      comm: readComm(key, k.comm.offset),
      opened: 0, closed: 0, bytesSent: 0, bytesReceived: 0, retransmits: 0, resetsSent: 0, resetsReceived: 0,
      durationSumNs: 0, durationSlots: emptySlots(TCP_N_SLOTS),
      connectSumNs: 0, connectSlots: emptySlots(TCP_N_SLOTS),
      rttSumUs: 0, rttSlots: emptySlots(TCP_RTT_SLOTS),
    };
    forEachCpu(value, TCP_SERIES.size, (base) => {
      e.opened += readU64(value, base + v.opened.offset);
      e.closed += readU64(value, base + v.closed.offset);
      e.bytesSent += readU64(value, base + v.bytes_sent.offset);
      e.bytesReceived += readU64(value, base + v.bytes_received.offset);
      e.retransmits += readU64(value, base + v.retransmits.offset);
      e.resetsSent += readU64(value, base + v.resets_sent.offset);
      e.resetsReceived += readU64(value, base + v.resets_received.offset);
      e.durationSumNs += readU64(value, base + v.duration_sum_ns.offset);
      addSlots(e.durationSlots, value, base + v.duration_slots.offset);
      e.connectSumNs += readU64(value, base + v.connect_sum_ns.offset);
      addSlots(e.connectSlots, value, base + v.connect_slots.offset);
      e.rttSumUs += readU64(value, base + v.rtt_sum_us.offset);
      addSlots(e.rttSlots, value, base + v.rtt_slots.offset);
    });
    out.push(e);
  }
  return out;
}

/** What turning `hists` series into metric points needs. */
export type MetricContext = ReadingContext;

function seriesAttributes(e: SeriesEntry): Attributes {
  const attributes: Attributes = {};
  const direction = directionName(e.direction);
  if (direction) attributes['network.connection.direction'] = direction;
  if (e.comm) attributes['process.executable.name'] = e.comm;
  if (e.family) {
    attributes['network.peer.address'] = e.peerAddr;
    if (e.peerPort) attributes['network.peer.port'] = e.peerPort;
  }
  return attributes;
}

const IO_DESCRIPTION = 'Bytes of closed TCP connections: transmit counts bytes the peer acknowledged, receive bytes received.';

/**
 * Turns decoded series into cumulative metric points; a counter or histogram
 * still at zero is left out. Points past `max_series` fold into the overflow
 * series; folded points of the same metric are added up, as they would be in
 * one kernel series.
 */
export function toMetricRecords(series: readonly SeriesEntry[], ctx: MetricContext): MetricRecord[] {
  const points = new CumulativePoints(ctx);
  const add = (name: string, base: Attributes, extra: Attributes, point: PointBody): void => points.add(name, { ...base, ...extra }, point);
  const histogram = (description: string, bounds: readonly number[], slots: readonly number[], sum: number): PointBody =>
    histogramPoint(description, 's', log2Histogram(bounds, slots, sum));
  for (const e of series) {
    const a = seriesAttributes(e);
    if (e.opened) add(TCP_METRICS.opened, a, {}, counterPoint('TCP connections opened.', '{connection}', e.opened));
    if (e.closed) add(TCP_METRICS.closed, a, {}, counterPoint('TCP connections closed.', '{connection}', e.closed));
    if (slotsTotal(e.durationSlots)) add(TCP_METRICS.duration, a, {}, histogram('Lifetime of closed TCP connections, open to close.', DURATION_BOUNDS, e.durationSlots, e.durationSumNs / 1e9));
    if (slotsTotal(e.connectSlots)) add(TCP_METRICS.connect, a, {}, histogram('Time from SYN sent to connection established (outbound).', DURATION_BOUNDS, e.connectSlots, e.connectSumNs / 1e9));
    if (e.retransmits) add(TCP_METRICS.retransmits, a, {}, counterPoint('TCP segments retransmitted.', '{segment}', e.retransmits));
    if (e.resetsSent) add(TCP_METRICS.resets, a, { 'tcp.reset.direction': 'sent' }, counterPoint('TCP resets sent or received.', '{reset}', e.resetsSent));
    if (e.resetsReceived) add(TCP_METRICS.resets, a, { 'tcp.reset.direction': 'received' }, counterPoint('TCP resets sent or received.', '{reset}', e.resetsReceived));
    if (slotsTotal(e.rttSlots)) add(TCP_METRICS.rtt, a, {}, histogram('Smoothed round-trip time of TCP connections, sampled per connection.', RTT_BOUNDS, e.rttSlots, e.rttSumUs / 1e6));
    if (e.closed) {
      add(TCP_METRICS.io, a, { 'network.io.direction': 'transmit' }, counterPoint(IO_DESCRIPTION, 'By', e.bytesSent));
      add(TCP_METRICS.io, a, { 'network.io.direction': 'receive' }, counterPoint(IO_DESCRIPTION, 'By', e.bytesReceived));
    }
  }
  return points.records();
}

/** Decodes one `struct tcp_close_event`. */
export function decodeCloseEvent(buf: Buffer, offset = 0): CloseEvent {
  const m = TCP_CLOSE_EVENT.members;
  const family = buf.readUInt16LE(offset + m.family.offset);
  return {
    startNs: buf.readBigUInt64LE(offset + m.start_ns.offset),
    endNs: buf.readBigUInt64LE(offset + m.end_ns.offset),
    connectNs: readU64(buf, offset + m.connect_ns.offset),
    bytesSent: readU64(buf, offset + m.bytes_sent.offset),
    bytesReceived: readU64(buf, offset + m.bytes_received.offset),
    retransmits: buf.readUInt32LE(offset + m.retransmits.offset),
    srttUs: buf.readUInt32LE(offset + m.srtt_us.offset),
    pid: buf.readUInt32LE(offset + m.pid.offset),
    direction: buf.readUInt32LE(offset + m.direction.offset),
    family,
    localPort: buf.readUInt16LE(offset + m.local_port.offset),
    peerPort: buf.readUInt16LE(offset + m.peer_port.offset),
    localAddr: formatAddress(family, buf, offset + m.local_addr.offset),
    peerAddr: formatAddress(family, buf, offset + m.peer_addr.offset),
    comm: readComm(buf, offset + m.comm.offset),
  };
}

/**
 * Walks a ring-buffer {@link RecordBatch} and decodes every close event; a
 * record shorter than `struct tcp_close_event` is skipped and counted in `malformed`.
 */
export function decodeCloseEvents(batch: RecordBatch): { events: CloseEvent[]; malformed: number } {
  return decodeFixedRecords(batch, TCP_CLOSE_EVENT.size, decodeCloseEvent);
}

/** What turning close events into spans and log records needs. */
export interface EventContext {
  resource: Resource;
  scope: Scope;
  /** Wall-clock ns minus CLOCK_MONOTONIC ns. */
  wallOffsetNs: bigint;
}

/** The attributes of a closed connection's span and log record. */
export function connectionAttributes(e: CloseEvent): Attributes {
  const attributes: Attributes = {
    'network.transport': 'tcp',
    'network.type': e.family === AF_INET6 ? 'ipv6' : 'ipv4',
    'network.local.address': e.localAddr,
    'network.local.port': e.localPort,
    'network.peer.address': e.peerAddr,
    'network.peer.port': e.peerPort,
    'tcp.bytes.sent': e.bytesSent,
    'tcp.bytes.received': e.bytesReceived,
    'tcp.retransmits': e.retransmits,
  };
  const direction = directionName(e.direction);
  if (direction) attributes['network.connection.direction'] = direction;
  if (e.pid) attributes['process.pid'] = e.pid;
  if (e.comm) attributes['process.executable.name'] = e.comm;
  if (e.srttUs) attributes['tcp.rtt'] = e.srttUs / 1e6;
  if (e.connectNs) attributes['tcp.connect.duration'] = e.connectNs / 1e9;
  return attributes;
}


/**
 * One closed connection as a `tcp.connection` span (CLIENT for outbound,
 * SERVER for inbound) and its log record (same ids; random ones unless given).
 */
export function closeEventToSignals(e: CloseEvent, ctx: EventContext, ids = randomIds(1)[0]): { span: SpanRecord; log: LogRecord } {
  const attributes = connectionAttributes(e);
  const kind: SpanKind = e.direction === TCP_DIR_OUTBOUND ? 3 : e.direction === TCP_DIR_INBOUND ? 2 : 0;
  const { traceId, spanId } = ids;
  const endTime = nsToHrTime(e.endNs + ctx.wallOffsetNs);
  const span: SpanRecord = {
    resource: ctx.resource, scope: ctx.scope, traceId, spanId, name: 'tcp.connection', kind,
    startTime: nsToHrTime(e.startNs + ctx.wallOffsetNs), endTime, attributes,
  };
  const log: LogRecord = {
    resource: ctx.resource, scope: ctx.scope, time: endTime, severityNumber: 9, severityText: 'INFO',
    eventName: 'tcp.connection.closed', traceId, spanId, attributes: { ...attributes },
    body: `tcp ${e.localAddr}:${e.localPort} -> ${e.peerAddr}:${e.peerPort} closed after ${Number(e.endNs - e.startNs) / 1e9}s: ${e.bytesSent} B sent, ${e.bytesReceived} B received`,
  };
  return { span, log };
}
