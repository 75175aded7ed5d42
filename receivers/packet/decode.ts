/**
 * Decodes the packet receiver's kernel records (bpf/packet.h, offsets from
 * layout.ts): `counts` entries into packet, byte and size-histogram points,
 * `flows` entries into the top flows of the interval.
 */
import type { Attributes, HrTime, MetricRecord, Resource, Scope } from '../../core/signals';
import { OVERFLOW_ATTRIBUTES, type SeriesLimiter } from '../../core/cardinality';
import {
  PACKET_DIR_EGRESS, PACKET_FLOW_KEY, PACKET_FLOW_VALUE, PACKET_KEY, PACKET_L3_IPV4, PACKET_N_SLOTS, PACKET_VALUE,
} from './layout';
import { checkMinSize, forEachCpu, readU64 } from '../../core/kernel/bpf-records';
import { addHistogram, addSlots, emptySlots } from '../../core/kernel/log2-histogram';

/** Metric names, OpenTelemetry style. */
export const PACKET_METRICS = {
  packets: 'network.packets',
  io: 'network.io',
  size: 'network.packet.size',
  flowPackets: 'network.flow.packets',
  flowIo: 'network.flow.io',
} as const;

/** `network.type` by PACKET_L3_*. */
export const L3_NAMES: readonly string[] = ['other', 'ipv4', 'ipv6', 'arp'];
/** `network.transport` by PACKET_L4_*. */
export const L4_NAMES: readonly string[] = ['other', 'tcp', 'udp', 'icmp', 'icmpv6'];

/**
 * Upper bounds (bytes) of `network.packet.size`'s buckets: slot i of the
 * kernel's histogram holds the integer sizes [2^i, 2^(i+1) - 1], so bound i is
 * 2^(i+1) - 1 and OpenTelemetry's upper-inclusive buckets match the slots
 * exactly; the last slot is the overflow bucket.
 */
export const SIZE_BOUNDS: readonly number[] = Array.from({ length: PACKET_N_SLOTS - 1 }, (_, i) => 2 ** (i + 1) - 1);

/** One `counts` entry, summed over CPUs. */
export interface CountEntry {
  ifindex: number;
  direction: number;
  l3: number;
  l4: number;
  packets: number;
  bytes: number;
  /** Packets per log2 size slot. */
  slots: number[];
}

/** One `flows` entry. */
export interface FlowEntry {
  ifindex: number;
  direction: number;
  l3: number;
  l4: number;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  packets: number;
  bytes: number;
  /** The raw key, to diff intervals and delete entries. */
  key: string;
}

/** Decodes `counts` entries (`[key, per-CPU values concatenated]`), summing the CPUs. */
export function decodeCounts(entries: Iterable<[Buffer, Buffer]>): CountEntry[] {
  const k = PACKET_KEY.members;
  const v = PACKET_VALUE.members;
  const out: CountEntry[] = [];
  for (const [key, value] of entries) {
    checkMinSize('counts key', key, PACKET_KEY.size);
    checkMinSize('counts value', value, PACKET_VALUE.size);
    const slots = emptySlots(PACKET_N_SLOTS);
    let packets = 0;
    let bytes = 0;
    forEachCpu(value, PACKET_VALUE.size, (base) => {
      packets += readU64(value, base + v.packets.offset);
      bytes += readU64(value, base + v.bytes.offset);
      addSlots(slots, value, base + v.slots.offset);
    });
    out.push({
      ifindex: key.readUInt32LE(k.ifindex.offset),
      direction: key.readUInt32LE(k.direction.offset),
      l3: key.readUInt32LE(k.l3.offset),
      l4: key.readUInt32LE(k.l4.offset),
      packets,
      bytes,
      slots,
    });
  }
  return out;
}

/** An address of a flow key (network byte order) as text. */
function formatAddress(buf: Buffer, offset: number, l3: number): string {
  if (l3 === PACKET_L3_IPV4) return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(offset + i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Decodes `flows` entries (`[key, value]`). */
export function decodeFlows(entries: Iterable<[Buffer, Buffer]>): FlowEntry[] {
  const k = PACKET_FLOW_KEY.members;
  const v = PACKET_FLOW_VALUE.members;
  const out: FlowEntry[] = [];
  for (const [key, value] of entries) {
    checkMinSize('flows key', key, PACKET_FLOW_KEY.size);
    checkMinSize('flows value', value, PACKET_FLOW_VALUE.size);
    const l3 = key[k.l3.offset];
    out.push({
      ifindex: key.readUInt32LE(k.ifindex.offset),
      direction: key.readUInt32LE(k.direction.offset),
      l3,
      l4: key[k.l4.offset],
      saddr: formatAddress(key, k.saddr.offset, l3),
      daddr: formatAddress(key, k.daddr.offset, l3),
      sport: key.readUInt16LE(k.sport.offset),
      dport: key.readUInt16LE(k.dport.offset),
      packets: readU64(value, v.packets.offset),
      bytes: readU64(value, v.bytes.offset),
      key: key.toString('hex'),
    });
  }
  return out;
}

/**
 * The `k` flows that moved the most bytes since `previous` (bytes by flow
 * key at the last reading; a flow absent there counts from 0). Ties: by key.
 */
export function topFlows(flows: readonly FlowEntry[], previous: ReadonlyMap<string, number>, k: number): FlowEntry[] {
  return flows
    .map((f) => ({ f, delta: f.bytes - (previous.get(f.key) ?? 0) }))
    .filter((x) => x.delta > 0)
    .sort((a, b) => b.delta - a.delta || (a.f.key < b.f.key ? -1 : 1))
    .slice(0, k)
    .map((x) => x.f);
}

/** What turning kernel records into metric points needs besides the records. */
export interface DecodeContext {
  resource: Resource;
  scope: Scope;
  /** Interface name by ifindex (the last known one for interfaces gone since). */
  names: ReadonlyMap<number, string>;
  /** Bounds the series per metric (`max_series`); folded points are summed into one overflow point. */
  limiter: SeriesLimiter;
  /** Start of the cumulative series (the load of the programs). */
  startTime: HrTime;
  /** Time of this reading. */
  time: HrTime;
}

function baseAttributes(ctx: DecodeContext, e: { ifindex: number; direction: number; l3: number; l4: number }): Attributes {
  return {
    'network.interface.name': ctx.names.get(e.ifindex) ?? `if${e.ifindex}`,
    'network.io.direction': e.direction === PACKET_DIR_EGRESS ? 'transmit' : 'receive',
    'network.type': L3_NAMES[e.l3] ?? 'other',
    'network.transport': L4_NAMES[e.l4] ?? 'other',
  };
}

/** Collects points, folding those past `max_series` into one overflow point per metric. */
class PointSink {
  readonly out: MetricRecord[] = [];
  private readonly overflow = new Map<string, MetricRecord>();

  constructor(private readonly limiter: SeriesLimiter) {}

  add(point: MetricRecord): void {
    const attributes = this.limiter.admit(point.name, point.attributes);
    if (attributes !== OVERFLOW_ATTRIBUTES) {
      this.out.push(point);
      return;
    }
    const folded = this.overflow.get(point.name);
    if (!folded) {
      const copy = { ...point, attributes: { ...OVERFLOW_ATTRIBUTES } };
      if (point.histogram) copy.histogram = { ...point.histogram, counts: [...point.histogram.counts] };
      this.overflow.set(point.name, copy);
      this.out.push(copy);
      return;
    }
    if (folded.value !== undefined) folded.value += point.value ?? 0;
    if (folded.histogram && point.histogram) addHistogram(folded.histogram, point.histogram);
  }
}

/** Turns decoded `counts` (and the interval's top flows) into cumulative metric points. */
export function toMetricRecords(counts: readonly CountEntry[], flows: readonly FlowEntry[], ctx: DecodeContext): MetricRecord[] {
  const { resource, scope, startTime, time } = ctx;
  const sink = new PointSink(ctx.limiter);
  const sorted = [...counts].sort((a, b) => a.ifindex - b.ifindex || a.direction - b.direction || a.l3 - b.l3 || a.l4 - b.l4);
  for (const c of sorted) {
    if (c.packets === 0) continue;
    const attributes = baseAttributes(ctx, c);
    sink.add({
      resource, scope, name: PACKET_METRICS.packets, description: 'Packets seen by the tc hooks.', unit: '{packet}',
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', attributes, startTime, time, value: c.packets,
    });
    sink.add({
      resource, scope, name: PACKET_METRICS.io, description: 'Bytes seen by the tc hooks (frames from the L2 header on).', unit: 'By',
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', attributes: { ...attributes }, startTime, time, value: c.bytes,
    });
    sink.add({
      resource, scope, name: PACKET_METRICS.size, description: 'Sizes of the packets seen by the tc hooks.', unit: 'By',
      type: 'histogram', temporality: 'cumulative', valueType: 'int', attributes: { ...attributes }, startTime, time,
      histogram: { bounds: SIZE_BOUNDS as number[], counts: c.slots, sum: c.bytes, count: c.packets },
    });
  }
  for (const f of flows) {
    const attributes: Attributes = {
      ...baseAttributes(ctx, f),
      'source.address': f.saddr,
      'source.port': f.sport,
      'destination.address': f.daddr,
      'destination.port': f.dport,
    };
    sink.add({
      resource, scope, name: PACKET_METRICS.flowIo, description: 'Bytes of a top flow (5-tuple) since it was first seen.', unit: 'By',
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', attributes, startTime, time, value: f.bytes,
    });
    sink.add({
      resource, scope, name: PACKET_METRICS.flowPackets, description: 'Packets of a top flow (5-tuple) since it was first seen.', unit: '{packet}',
      type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', attributes: { ...attributes }, startTime, time, value: f.packets,
    });
  }
  return sink.out;
}
