/**
 * Closed connections: `events` ring-buffer records (`struct tcp_close_event`,
 * bpf/tcp.h, offsets from layout.ts) into `tcp.connection` spans, and spans
 * into their log records. This runs for every connection, so it is kept
 * cheap: one pass over the batch through 32- and 16-bit views (host byte
 * order, as the kernel wrote it), addresses and task names formatted once
 * per distinct value (cached by their raw bytes), one CSPRNG call per batch
 * for the ids, no BigInt, and one attributes object shared by a span and
 * its log record (records are never modified downstream).
 */
import { randomBytes } from 'node:crypto';
import type { HrTime, LogRecord, Resource, Scope, SpanKind, SpanRecord } from '../../core/signals';
import type { RecordBatch } from '../../native/api';
import { perCpuStride, readComm } from '../../core/kernel/bpf-records';
import { TCP_CLOSE_EVENT, TCP_DIR_INBOUND, TCP_DIR_OUTBOUND } from './layout';
import { AF_INET, AF_INET6, formatAddress } from './decode';
import { WordStringCache } from './word-cache';

/** The attributes of a closed connection's span and log record. */
export type ConnectionAttributes = {
  'network.transport': 'tcp';
  'network.type': 'ipv4' | 'ipv6';
  'network.local.address': string;
  'network.local.port': number;
  'network.peer.address': string;
  'network.peer.port': number;
  'tcp.bytes.sent': number;
  'tcp.bytes.received': number;
  'tcp.retransmits': number;
  /** Absent for sockets opened before the receiver started. */
  'network.connection.direction'?: 'inbound' | 'outbound';
  /** Absent when the owner is unknown. */
  'process.pid'?: number;
  'process.executable.name'?: string;
  /** Smoothed RTT at close, s; absent when none was measured. */
  'tcp.rtt'?: number;
  /** SYN sent to established, s; outbound only. */
  'tcp.connect.duration'?: number;
};

/** A `tcp.connection` span, with its attributes' exact type. */
export type ConnectionSpan = SpanRecord & { attributes: ConnectionAttributes };

/** What turning close events into spans needs. */
export interface EventContext {
  resource: Resource;
  scope: Scope;
  /** Wall-clock ns minus CLOCK_MONOTONIC ns. */
  wallOffsetNs: bigint;
}

const M = TCP_CLOSE_EVENT.members;
/** Indexes of the members in a record's `u32` words (every `__u32`/`__u64` member is 4-byte aligned). */
const W = {
  start: M.start_ns.offset >> 2,
  end: M.end_ns.offset >> 2,
  connect: M.connect_ns.offset >> 2,
  bytesSent: M.bytes_sent.offset >> 2,
  bytesReceived: M.bytes_received.offset >> 2,
  retransmits: M.retransmits.offset >> 2,
  srtt: M.srtt_us.offset >> 2,
  pid: M.pid.offset >> 2,
  direction: M.direction.offset >> 2,
  localAddr: M.local_addr.offset >> 2,
  peerAddr: M.peer_addr.offset >> 2,
  comm: M.comm.offset >> 2,
} as const;
/** Indexes of the `__u16` members in a record's 16-bit words. */
const H = { family: M.family.offset >> 1, localPort: M.local_port.offset >> 1, peerPort: M.peer_port.offset >> 1 } as const;

const NS_PER_S = 1_000_000_000;
const TWO_32 = 0x1_0000_0000;
/** Hex characters of one span's ids: a 16-byte trace id then an 8-byte span id. */
const ID_HEX = 48;

/** A `__u64` from its two `u32` halves (exact below 2^53). */
function u64(lo: number, hi: number): number {
  return lo + hi * TWO_32;
}

/**
 * A CLOCK_MONOTONIC `__u64` ns (as its two halves) plus a wall-clock offset
 * (`offSec` s + `offNs` ns, 0 <= offNs < 1e9) as {@link HrTime}, exactly:
 * 2^48 ns = 281474 s + 976710656 ns and 2^32 ns = 4 s + 294967296 ns keep
 * every intermediate below 2^53.
 */
export function monotonicToHrTime(lo: number, hi: number, offSec: number, offNs: number): HrTime {
  const hiHi = hi >>> 16;
  const hiLo = hi & 0xffff;
  const rem = hiHi * 976_710_656 + hiLo * 294_967_296 + lo + offNs;
  let sec = Math.floor(rem / NS_PER_S);
  let ns = rem - sec * NS_PER_S;
  if (ns < 0) { // the division rounded up
    sec--;
    ns += NS_PER_S;
  }
  return [hiHi * 281_474 + hiLo * 4 + sec + offSec, ns];
}

/** `buf` itself when 4-byte aligned (what the native reader hands over), else an aligned copy. */
function aligned(buf: Buffer): Buffer {
  if ((buf.byteOffset & 3) === 0) return buf;
  const copy = Buffer.from(new ArrayBuffer(buf.length));
  buf.copy(copy);
  return copy;
}

/** Decodes close-event batches into spans; holds the clock offset and the string caches of one receiver. */
export class CloseEventDecoder {
  private readonly offSec: number;
  private readonly offNs: number;
  private readonly ipv4 = new WordStringCache(10);
  private readonly ipv6 = new WordStringCache(10);
  private readonly comms = new WordStringCache(8);

  constructor(private readonly ctx: EventContext) {
    const ns = BigInt(NS_PER_S);
    let sec = ctx.wallOffsetNs / ns;
    let rest = ctx.wallOffsetNs % ns;
    if (rest < 0n) {
      rest += ns;
      sec -= 1n;
    }
    this.offSec = Number(sec);
    this.offNs = Number(rest);
  }

  /**
   * Walks a ring-buffer {@link RecordBatch} and makes a span of every close
   * event; a record shorter than `struct tcp_close_event`, or cut off by the
   * end of the buffer, is skipped and counted in `malformed`.
   */
  decode(batch: RecordBatch): { events: ConnectionSpan[]; malformed: number } {
    const buf = aligned(batch.buffer);
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    const u16 = new Uint16Array(buf.buffer, buf.byteOffset, buf.length >>> 1);
    const ids = randomBytes((ID_HEX / 2) * batch.count).toString('hex');
    const events: ConnectionSpan[] = [];
    let malformed = 0;
    let off = 0;
    let i = 0;
    for (; i < batch.count && off + 8 <= buf.length; i++) {
      const len = u32[off >>> 2];
      const data = off + 8;
      if (len >= TCP_CLOSE_EVENT.size && data + len <= buf.length) events.push(this.span(buf, u32, u16, data, ids, ID_HEX * i));
      else malformed++;
      off = data + perCpuStride(len);
    }
    return { events, malformed: malformed + (batch.count - i) };
  }

  /** The span of the record at byte `data` (8-byte aligned); its ids are `ids[at, at + 48)`. */
  private span(buf: Buffer, u32: Uint32Array, u16: Uint16Array, data: number, ids: string, at: number): ConnectionSpan {
    const w = data >>> 2;
    const h = data >>> 1;
    const family = u16[h + H.family];
    const direction = u32[w + W.direction];
    const attributes: ConnectionAttributes = {
      'network.transport': 'tcp',
      'network.type': family === AF_INET6 ? 'ipv6' : 'ipv4',
      'network.local.address': this.address(family, buf, u32, w + W.localAddr),
      'network.local.port': u16[h + H.localPort],
      'network.peer.address': this.address(family, buf, u32, w + W.peerAddr),
      'network.peer.port': u16[h + H.peerPort],
      'tcp.bytes.sent': u64(u32[w + W.bytesSent], u32[w + W.bytesSent + 1]),
      'tcp.bytes.received': u64(u32[w + W.bytesReceived], u32[w + W.bytesReceived + 1]),
      'tcp.retransmits': u32[w + W.retransmits],
    };
    let kind: SpanKind = 0;
    if (direction === TCP_DIR_OUTBOUND) {
      attributes['network.connection.direction'] = 'outbound';
      kind = 3;
    } else if (direction === TCP_DIR_INBOUND) {
      attributes['network.connection.direction'] = 'inbound';
      kind = 2;
    }
    const pid = u32[w + W.pid];
    if (pid) attributes['process.pid'] = pid;
    if (buf[data + M.comm.offset] !== 0) attributes['process.executable.name'] = this.comm(buf, u32, w + W.comm);
    const srttUs = u32[w + W.srtt];
    if (srttUs) attributes['tcp.rtt'] = srttUs / 1e6;
    const connectNs = u64(u32[w + W.connect], u32[w + W.connect + 1]);
    if (connectNs) attributes['tcp.connect.duration'] = connectNs / 1e9;
    const { offSec, offNs } = this;
    return {
      resource: this.ctx.resource,
      scope: this.ctx.scope,
      traceId: ids.substring(at, at + 32),
      spanId: ids.substring(at + 32, at + ID_HEX),
      name: 'tcp.connection',
      kind,
      startTime: monotonicToHrTime(u32[w + W.start], u32[w + W.start + 1], offSec, offNs),
      endTime: monotonicToHrTime(u32[w + W.end], u32[w + W.end + 1], offSec, offNs),
      attributes,
    };
  }

  /** The text of the 16-byte address at word `w` (IPv4 in its first 4 bytes). */
  private address(family: number, buf: Buffer, u32: Uint32Array, w: number): string {
    const cache = family === AF_INET ? this.ipv4 : this.ipv6;
    const w0 = u32[w];
    const w1 = u32[w + 1];
    const w2 = u32[w + 2];
    const w3 = u32[w + 3];
    return cache.lookup(w0, w1, w2, w3) ?? cache.store(w0, w1, w2, w3, formatAddress(family, buf, w << 2));
  }

  /** The task name (`char[16]`) at word `w`. */
  private comm(buf: Buffer, u32: Uint32Array, w: number): string {
    const w0 = u32[w];
    const w1 = u32[w + 1];
    const w2 = u32[w + 2];
    const w3 = u32[w + 3];
    return this.comms.lookup(w0, w1, w2, w3) ?? this.comms.store(w0, w1, w2, w3, readComm(buf, w << 2));
  }
}

/** A connection's span length in ns (exact: both times come from the same offset). */
function durationNs(span: SpanRecord): number {
  return (span.endTime[0] - span.startTime[0]) * NS_PER_S + (span.endTime[1] - span.startTime[1]);
}

/** The log record of a closed connection's span: same ids and attributes, at its end. */
export function connectionLogRecord(span: ConnectionSpan): LogRecord {
  const a = span.attributes;
  return {
    resource: span.resource,
    scope: span.scope,
    time: span.endTime,
    severityNumber: 9,
    severityText: 'INFO',
    eventName: 'tcp.connection.closed',
    traceId: span.traceId,
    spanId: span.spanId,
    attributes: a,
    body: `tcp ${a['network.local.address']}:${a['network.local.port']} -> ${a['network.peer.address']}:${a['network.peer.port']} closed after ${durationNs(span) / 1e9}s: ${a['tcp.bytes.sent']} B sent, ${a['tcp.bytes.received']} B received`,
  };
}
