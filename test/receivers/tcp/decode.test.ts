/** The tcp decoder on hand-built records laid out as bpf/tcp.h (offsets from layout.ts). */
import t from 'tap';
import { SeriesLimiter } from '../../../core/cardinality';
import { ComponentTelemetry } from '../../../core/telemetry';
import { AF_INET, AF_INET6, DURATION_BOUNDS, RTT_BOUNDS, decodeSeries, formatAddress, toMetricRecords } from '../../../receivers/tcp/decode';
import { CloseEventDecoder, connectionLogRecord, monotonicToHrTime } from '../../../receivers/tcp/close-events';
import { WordStringCache } from '../../../receivers/tcp/word-cache';
import { TCP_CLOSE_EVENT, TCP_DIR_INBOUND, TCP_DIR_OUTBOUND, TCP_SERIES, TCP_SERIES_KEY } from '../../../receivers/tcp/layout';

const resource = { attributes: {} };
const scope = { name: 'test' };

function addr(text: string): Buffer {
  const b = Buffer.alloc(16);
  if (text.includes('.')) text.split('.').forEach((n, i) => { b[i] = Number(n); });
  else b.set(Buffer.from(text.replace(/:/g, ''), 'hex'));
  return b;
}

t.test('formatAddress: IPv4, IPv6 with the longest zero run compressed, v4-mapped', async (t) => {
  t.equal(formatAddress(AF_INET, addr('10.1.2.3'), 0), '10.1.2.3');
  t.equal(formatAddress(AF_INET6, addr('0000:0000:0000:0000:0000:0000:0000:0001'), 0), '::1');
  t.equal(formatAddress(AF_INET6, addr('2001:0db8:0000:0001:0000:0000:0000:0001'), 0), '2001:db8:0:1::1');
  t.equal(formatAddress(AF_INET6, addr('2001:0db8:0000:0000:0001:0000:0000:0001'), 0), '2001:db8::1:0:0:1', 'equal runs: the first');
  t.equal(formatAddress(AF_INET6, addr('2001:0db8:0001:0002:0003:0004:0005:0006'), 0), '2001:db8:1:2:3:4:5:6');
  t.equal(formatAddress(AF_INET6, addr('0000:0000:0000:0000:0000:ffff:7f00:0001'), 0), '::ffff:127.0.0.1');
});

function seriesEntry(direction: number, comm: string, perCpu: Array<Partial<Record<keyof typeof TCP_SERIES.members, number>>>): [Buffer, Buffer] {
  const key = Buffer.alloc(TCP_SERIES_KEY.size);
  key.writeUInt32LE(direction, TCP_SERIES_KEY.members.direction.offset);
  key.write(comm, TCP_SERIES_KEY.members.comm.offset);
  const value = Buffer.alloc(TCP_SERIES.size * perCpu.length);
  perCpu.forEach((fields, cpu) => {
    for (const [name, v] of Object.entries(fields)) {
      value.writeBigUInt64LE(BigInt(v as number), cpu * TCP_SERIES.size + TCP_SERIES.members[name as keyof typeof TCP_SERIES.members].offset);
    }
  });
  return [key, value];
}

t.test('decodeSeries sums CPUs; toMetricRecords emits the non-zero metrics', async (t) => {
  const slot = (name: 'duration_slots' | 'connect_slots' | 'rtt_slots', i: number) => TCP_SERIES.members[name].offset + 8 * i - TCP_SERIES.members.opened.offset;
  const [key, value] = seriesEntry(TCP_DIR_OUTBOUND, 'curl', [
    { opened: 2, closed: 1, bytes_sent: 100, bytes_received: 50, duration_sum_ns: 3000 },
    { opened: 1, closed: 2, bytes_sent: 1, retransmits: 4, resets_received: 1, rtt_sum_us: 300 },
  ]);
  value.writeBigUInt64LE(3n, slot('duration_slots', 10));
  value.writeBigUInt64LE(1n, TCP_SERIES.size + slot('rtt_slots', 8));
  value.writeBigUInt64LE(2n, slot('connect_slots', 12));
  const [s] = decodeSeries([[key, value]]);
  t.match(s, { direction: TCP_DIR_OUTBOUND, comm: 'curl', family: 0, opened: 3, closed: 3, bytesSent: 101, bytesReceived: 50, retransmits: 4, resetsReceived: 1, resetsSent: 0 });
  t.equal(s.durationSlots[10], 3);
  t.equal(s.rttSlots[8], 1);
  const telemetry = new ComponentTelemetry('tcp', 'receiver');
  const records = toMetricRecords([s], { resource, scope, startTime: [0, 0], time: [1, 0], limiter: new SeriesLimiter(10, telemetry) });
  const by = (name: string, extra: Record<string, string> = {}) => records.find((r) => r.name === name && Object.entries(extra).every(([k, v]) => r.attributes[k] === v));
  const attrs = { 'network.connection.direction': 'outbound', 'process.executable.name': 'curl' };
  t.same(by('tcp.connections.opened')?.attributes, attrs);
  t.equal(by('tcp.connections.opened')?.value, 3);
  t.equal(by('tcp.io', { 'network.io.direction': 'transmit' })?.value, 101);
  t.equal(by('tcp.io', { 'network.io.direction': 'receive' })?.value, 50);
  t.equal(by('tcp.resets', { 'tcp.reset.direction': 'received' })?.value, 1);
  t.notOk(by('tcp.resets', { 'tcp.reset.direction': 'sent' }), 'a zero counter is left out');
  t.match(by('tcp.connection.duration')?.histogram, { count: 3, sum: 3e-6, bounds: DURATION_BOUNDS });
  t.match(by('tcp.connect.duration')?.histogram, { count: 2 });
  t.match(by('tcp.rtt')?.histogram, { count: 1, sum: 300e-6, bounds: RTT_BOUNDS });
  t.equal(RTT_BOUNDS[0], 2e-6);
});

t.test('max_series folds new series and adds their values up', async (t) => {
  const entries = ['a', 'b', 'c'].map((comm) => seriesEntry(TCP_DIR_INBOUND, comm, [{ opened: 1 }]));
  const telemetry = new ComponentTelemetry('tcp', 'receiver');
  const records = toMetricRecords(decodeSeries(entries), { resource, scope, startTime: [0, 0], time: [1, 0], limiter: new SeriesLimiter(1, telemetry) });
  t.same(records.map((r) => [r.attributes['process.executable.name'] ?? 'overflow', r.value]), [['a', 1], ['overflow', 2]]);
  t.equal(telemetry.folded, 2);
});

function closeRecord(fields: { direction: number; family: number; local: string; peer: string; comm: string; pid: number }): Buffer {
  const m = TCP_CLOSE_EVENT.members;
  const b = Buffer.alloc(TCP_CLOSE_EVENT.size);
  b.writeBigUInt64LE(1_000_000_000n, m.start_ns.offset);
  b.writeBigUInt64LE(3_500_000_000n, m.end_ns.offset);
  b.writeBigUInt64LE(20_000n, m.connect_ns.offset);
  b.writeBigUInt64LE(1234n, m.bytes_sent.offset);
  b.writeBigUInt64LE(99n, m.bytes_received.offset);
  b.writeUInt32LE(2, m.retransmits.offset);
  b.writeUInt32LE(150, m.srtt_us.offset);
  b.writeUInt32LE(fields.pid, m.pid.offset);
  b.writeUInt32LE(fields.direction, m.direction.offset);
  b.writeUInt16LE(fields.family, m.family.offset);
  b.writeUInt16LE(40000, m.local_port.offset);
  b.writeUInt16LE(443, m.peer_port.offset);
  addr(fields.local).copy(b, m.local_addr.offset);
  addr(fields.peer).copy(b, m.peer_addr.offset);
  b.write(fields.comm, m.comm.offset);
  return b;
}

function batchOf(records: Buffer[]): { buffer: Buffer; count: number } {
  const parts = records.flatMap((r) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(r.length);
    return [head, r, Buffer.alloc((8 - (r.length % 8)) % 8)];
  });
  return { buffer: Buffer.concat(parts), count: records.length };
}

t.test('close events become spans, and spans log records with the same ids and attributes; short records are counted', async (t) => {
  const good = closeRecord({ direction: TCP_DIR_OUTBOUND, family: AF_INET, local: '10.0.0.1', peer: '10.0.0.2', comm: 'curl', pid: 42 });
  const inbound = closeRecord({ direction: TCP_DIR_INBOUND, family: AF_INET6, local: '0000:0000:0000:0000:0000:0000:0000:0001', peer: '0000:0000:0000:0000:0000:0000:0000:0001', comm: '', pid: 0 });
  const decoder = new CloseEventDecoder({ resource, scope, wallOffsetNs: 1_700_000_000_000_000_000n });
  const { events, malformed } = decoder.decode(batchOf([good, Buffer.alloc(16), inbound]));
  t.equal(malformed, 1);
  t.equal(events.length, 2);
  const [span, second] = events;
  t.equal(span.name, 'tcp.connection');
  t.equal(span.kind, 3, 'outbound: CLIENT');
  t.equal(span.resource, resource);
  t.equal(span.scope, scope);
  t.same(span.startTime, [1_700_000_001, 0]);
  t.same(span.endTime, [1_700_000_003, 500_000_000]);
  t.same(span.attributes, {
    'network.transport': 'tcp', 'network.type': 'ipv4', 'network.local.address': '10.0.0.1', 'network.local.port': 40000,
    'network.peer.address': '10.0.0.2', 'network.peer.port': 443, 'tcp.bytes.sent': 1234, 'tcp.bytes.received': 99, 'tcp.retransmits': 2,
    'network.connection.direction': 'outbound', 'process.pid': 42, 'process.executable.name': 'curl', 'tcp.rtt': 150e-6, 'tcp.connect.duration': 20e-6,
  });
  t.match(span.traceId, /^[0-9a-f]{32}$/);
  t.match(span.spanId, /^[0-9a-f]{16}$/);
  t.not(second.traceId, span.traceId, 'ids differ between spans');
  t.not(second.spanId, span.spanId);
  const log = connectionLogRecord(span);
  t.equal(log.eventName, 'tcp.connection.closed');
  t.equal(log.traceId, span.traceId);
  t.equal(log.spanId, span.spanId);
  t.same(log.time, span.endTime);
  t.same(log.attributes, span.attributes);
  t.equal(log.severityNumber, 9);
  t.equal(log.body, 'tcp 10.0.0.1:40000 -> 10.0.0.2:443 closed after 2.5s: 1234 B sent, 99 B received');
  t.equal(second.kind, 2, 'inbound: SERVER');
  t.match(second.attributes, { 'network.type': 'ipv6', 'network.peer.address': '::1', 'network.local.address': '::1', 'network.connection.direction': 'inbound' });
  t.notOk('process.pid' in second.attributes, 'unknown owner: no pid');
  t.notOk('process.executable.name' in second.attributes, 'no comm: no name');
});

t.test('close events: the same bytes from a cache, other bytes formatted anew; unaligned and truncated batches', async (t) => {
  const decoder = new CloseEventDecoder({ resource, scope, wallOffsetNs: 0n });
  const records = ['10.0.0.1', '10.0.0.2', '10.0.0.1'].map((peer, i) => closeRecord({ direction: TCP_DIR_OUTBOUND, family: AF_INET, local: '127.0.0.1', peer, comm: ['curl', 'wget', 'curl'][i], pid: 1 }));
  const batch = batchOf(records);
  const unaligned = Buffer.alloc(batch.buffer.length + 1).subarray(1);
  batch.buffer.copy(unaligned);
  for (const buffer of [batch.buffer, unaligned]) {
    const { events, malformed } = decoder.decode({ buffer, count: 3 });
    t.equal(malformed, 0);
    t.same(events.map((e) => [e.attributes['network.peer.address'], e.attributes['process.executable.name']]), [['10.0.0.1', 'curl'], ['10.0.0.2', 'wget'], ['10.0.0.1', 'curl']]);
    t.same(events[0].startTime, [1, 0]);
  }
  const cut = decoder.decode({ buffer: batch.buffer.subarray(0, batch.buffer.length - 8), count: 3 });
  t.equal(cut.events.length, 2, 'the record cut off by the end of the buffer is skipped');
  t.equal(cut.malformed, 1, 'and counted');
  t.equal(decoder.decode({ buffer: batch.buffer, count: 5 }).malformed, 2, 'records the count promises but the buffer lacks are counted');
});

t.test('monotonicToHrTime is exact over the whole u64 range (checked against BigInt)', async (t) => {
  const NS = 1_000_000_000n;
  const values = [0n, 1n, 999_999_999n, 1_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n + 12345n, 2n ** 64n - 1n];
  let seed = 12345;
  const next = (): bigint => BigInt((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0));
  for (let i = 0; i < 2000; i++) values.push((next() << 32n) | next(), ((next() & 0xffffn) << 32n) | next());
  let bad = 0;
  for (const v of values) {
    for (const offset of [0n, 1_764_000_000_999_999_999n]) {
      const lo = Number(v & 0xffff_ffffn);
      const hi = Number(v >> 32n);
      const got = monotonicToHrTime(lo, hi, Number(offset / NS), Number(offset % NS));
      const sum = v + offset;
      if (got[0] !== Number(sum / NS) || got[1] !== Number(sum % NS)) {
        bad++;
        if (bad < 5) t.fail(`${v} + ${offset}: got ${got.join(',')}, expected ${sum / NS},${sum % NS}`);
      }
    }
  }
  t.equal(bad, 0, `${values.length * 2} values exact`);
});

t.test('WordStringCache: hits by all four words, a slot holds one key', async (t) => {
  const cache = new WordStringCache(1);
  t.equal(cache.lookup(1, 2, 3, 4), undefined);
  t.equal(cache.store(1, 2, 3, 4, 'a'), 'a');
  t.equal(cache.lookup(1, 2, 3, 4), 'a');
  t.equal(cache.lookup(1, 2, 3, 5), undefined, 'another key');
  t.equal(cache.lookup(0, 0, 0, 0), undefined, 'an empty slot is a miss');
  for (let i = 0; i < 8; i++) cache.store(i, 0, 0, 0x8000_0000, `k${i}`);
  const hits = [...Array(8).keys()].filter((i) => cache.lookup(i, 0, 0, 0x8000_0000) === `k${i}`).length;
  t.ok(hits >= 1 && hits <= 2, `two slots hold at most two of eight keys (${hits})`);
  t.throws(() => new WordStringCache(0), /bits must be 1\.\.16/);
});
