/**
 * Decodes the tcp receiver's `hists` entries (bpf/tcp.h, offsets from
 * layout.ts) into metric points, and formats addresses; close events are
 * decoded in close-events.ts.
 */
import type { Attributes, MetricRecord } from '../../core/signals';
import { TCP_DIR_INBOUND, TCP_DIR_OUTBOUND, TCP_N_SLOTS, TCP_RTT_SLOTS, TCP_SERIES, TCP_SERIES_KEY } from './layout';
import { checkMinSize, forEachCpu, readComm, readU64 } from '../../core/kernel/bpf-records';
import { CumulativePoints, counterPoint, histogramPoint, type PointBody, type ReadingContext } from '../../core/kernel/cumulative-points';
import { addSlots, emptySlots, log2Bounds, log2Histogram, slotsTotal } from '../../core/kernel/log2-histogram';

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
