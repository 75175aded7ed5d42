/**
 * The tcp receiver on the real kernel: K loopback connections of B bytes each
 * way between a server and a client of known comms, and the exact counts,
 * bytes, ports and spans they must produce; IPv6; resets; filters; the raw_tp
 * variant; agreement with libbpf-tools' tcplife; release of every program.
 */
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { probeTcp } from '../../../receivers/tcp';
import { RTT_BOUNDS } from '../../../receivers/tcp/decode';
import { TCP_PROGRAMS, TcpReceiver } from '../../../receivers/tcp/receiver';
import type { BpfObject } from '../../../native/api';
import type { Signal } from '../../../core/signals';
import { ourProgramsAfterRelease, points, receiverContext, runClient, startServer, tcpConfig, total, withReceiver } from './harness';

const K = 5;
const B = 100_000;
const SERVER = 'tcpt-srv';
const CLIENT = 'tcpt-cli';

const cannot = probeTcp();
const skip = cannot ? `the tcp receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('K loopback connections: exact opened/closed per direction, bytes, spans, logs', { skip }, async (t) => {
  let ports: number[] = [];
  let serverPort = 0;
  let clientPid = 0;
  const r = await withReceiver({}, async () => {
    const server = await startServer(SERVER, '127.0.0.1', K, B);
    serverPort = server.port;
    const c = await runClient('client', CLIENT, '127.0.0.1', server.port, K, B);
    ports = c.ports;
    clientPid = c.pid;
    await server.exited;
  });
  t.equal(r.receiver.variant, 'tp_btf');
  const mine = (s: { attributes: Record<string, unknown> }) =>
    s.attributes['network.peer.port'] === serverPort || s.attributes['network.local.port'] === serverPort;
  const spans = r.spans.filter(mine);
  const out = spans.filter((s) => s.attributes['network.connection.direction'] === 'outbound');
  const inb = spans.filter((s) => s.attributes['network.connection.direction'] === 'inbound');
  t.equal(out.length, K, 'K outbound spans');
  t.equal(inb.length, K, 'K inbound spans');
  t.same(out.map((s) => s.attributes['network.local.port']).sort(), [...ports].sort(), 'outbound spans: the client ports');
  t.same(inb.map((s) => s.attributes['network.peer.port']).sort(), [...ports].sort(), 'inbound spans: the client ports as peers');
  for (const s of spans) {
    t.match(s.attributes, { 'network.transport': 'tcp', 'network.type': 'ipv4', 'network.peer.address': '127.0.0.1', 'network.local.address': '127.0.0.1' });
  }
  t.ok(out.every((s) => s.attributes['tcp.bytes.sent'] === B && s.attributes['tcp.bytes.received'] === B), 'outbound: exactly B bytes each way');
  t.ok(inb.every((s) => s.attributes['tcp.bytes.sent'] === B && s.attributes['tcp.bytes.received'] === B), 'inbound: exactly B bytes each way');
  t.ok(out.every((s) => s.attributes['process.executable.name'] === CLIENT && s.attributes['process.pid'] === clientPid), 'outbound owner: the client');
  t.ok(inb.every((s) => s.attributes['process.executable.name'] === SERVER), 'inbound owner: the server, found at close()');
  t.ok(out.every((s) => s.kind === 3) && inb.every((s) => s.kind === 2), 'CLIENT and SERVER span kinds');
  t.ok(out.every((s) => (s.attributes['tcp.connect.duration'] as number) > 0), 'outbound spans carry the connect latency');
  t.ok(spans.every((s) => (s.attributes['tcp.rtt'] as number) > 0), 'every span has an RTT');
  t.equal(r.logs.filter(mine).length, 2 * K, 'one log record per closed connection');

  // Metrics: the outbound series are the client's; inbound ones have no comm (unknown in softirq at open).
  const o = { 'network.connection.direction': 'outbound', 'process.executable.name': CLIENT };
  t.equal(total(r.metrics, 'tcp.connections.opened', o), K, 'outbound opened');
  t.equal(total(r.metrics, 'tcp.connections.closed', o), K, 'outbound closed');
  t.equal(total(r.metrics, 'tcp.io', { ...o, 'network.io.direction': 'transmit' }), K * B, 'outbound bytes sent');
  t.equal(total(r.metrics, 'tcp.io', { ...o, 'network.io.direction': 'receive' }), K * B, 'outbound bytes received');
  t.equal(points(r.metrics, 'tcp.connect.duration', o)[0]?.histogram?.count, K, 'K connect latencies');
  t.equal(points(r.metrics, 'tcp.connection.duration', o)[0]?.histogram?.count, K, 'K connection durations');
  // At least one RTT sample per connection (its first segment), more when srtt changes bucket (netns.test.ts bounds them).
  const rttHist = points(r.metrics, 'tcp.rtt', o)[0]?.histogram;
  t.ok((rttHist?.count ?? 0) >= K, `at least K RTT samples (${rttHist?.count})`);
  const rttSlot = (s: number) => { const i = RTT_BOUNDS.findIndex((b) => s < b); return i < 0 ? RTT_BOUNDS.length : i; };
  t.ok(out.every((s) => (rttHist?.counts[rttSlot(s.attributes['tcp.rtt'] as number)] ?? 0) > 0), 'each connection\'s srtt at close is in a sampled bucket');
  const inbound = { 'network.connection.direction': 'inbound' };
  t.ok(total(r.metrics, 'tcp.connections.opened', inbound) >= K, 'inbound opened (other loopback traffic may add)');
  t.equal(total(r.metrics, 'tcp.connections.opened', inbound), total(r.metrics, 'tcp.connections.closed', inbound), 'inbound opened == closed');
  t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped');
});

t.test('ports filter: exactly this traffic, IPv6, and the raw_tp variant', { skip }, async (t) => {
  const server = await startServer(SERVER, '::1', K, 1000);
  const r = await withReceiver({ ports: [server.port] }, async () => {
    await runClient('client', CLIENT, '::1', server.port, K, 1000);
    await server.exited;
  }, { variant: 'raw_tp' });
  t.equal(r.receiver.variant, 'raw_tp');
  t.equal(r.spans.length, 2 * K, 'only the filtered port');
  t.ok(r.spans.every((s) => s.attributes['network.type'] === 'ipv6' && s.attributes['network.peer.address'] === '::1'), 'IPv6 addresses');
  t.equal(total(r.metrics, 'tcp.connections.opened', { 'network.connection.direction': 'outbound' }), K);
  t.equal(total(r.metrics, 'tcp.connections.opened', { 'network.connection.direction': 'inbound' }), K);
  t.equal(total(r.metrics, 'tcp.io', { 'network.io.direction': 'transmit' }), 2 * K * 1000, 'bytes sent, both sides');
});

t.test('comms filter keeps the outbound connections of that comm only; ignore_loopback drops everything here', { skip }, async (t) => {
  const server = await startServer(SERVER, '127.0.0.1', 2, 10);
  const r = await withReceiver({ comms: [CLIENT] }, async () => {
    await runClient('client', CLIENT, '127.0.0.1', server.port, 2, 10);
    await server.exited;
  });
  t.equal(r.spans.length, 2);
  t.ok(r.spans.every((s) => s.attributes['process.executable.name'] === CLIENT));
  const server2 = await startServer(SERVER, '127.0.0.1', 2, 10);
  const r2 = await withReceiver({ ports: [server2.port], ignore_loopback: true }, async () => {
    await runClient('client', CLIENT, '127.0.0.1', server2.port, 2, 10);
    await server2.exited;
  });
  t.equal(r2.spans.length, 0, 'no loopback connection');
  t.equal(total(r2.metrics, 'tcp.connections.opened'), 0);
});

t.test('only the wired signals are made; with neither traces nor logs wired the kernel streams no close event', { skip }, async (t) => {
  const cases: Array<{ signals: Signal[]; spans: number; logs: number }> = [
    { signals: ['metrics', 'traces'], spans: 3, logs: 0 },
    { signals: ['logs'], spans: 0, logs: 3 },
    { signals: ['metrics'], spans: 0, logs: 0 },
  ];
  for (const c of cases) {
    const server = await startServer(SERVER, '127.0.0.1', 3, 10);
    const r = await withReceiver({ comms: [CLIENT] }, async () => {
      await runClient('client', CLIENT, '127.0.0.1', server.port, 3, 10);
      await server.exited;
    }, {}, c.signals);
    const name = c.signals.join('+');
    t.equal(r.spans.length, c.spans, `${name}: spans`);
    t.equal(r.logs.length, c.logs, `${name}: log records`);
    t.ok(r.logs.every((l) => l.attributes['process.executable.name'] === CLIENT && /^tcp 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ closed after [\d.e-]+s: 10 B sent, 10 B received$/.test(String(l.body))),
      `${name}: log records of the client's connections, with their body`);
    t.equal(r.receiver.streamsEvents, c.spans + c.logs > 0, `${name}: the kernel streams close events only when something takes them`);
    t.equal(total(r.metrics, 'tcp.connections.closed', { 'network.connection.direction': 'outbound' }), 3, `${name}: metrics all the same`);
  }
});

t.test('peer_attributes and max_series: series by peer, folded past the budget', { skip }, async (t) => {
  const server = await startServer(SERVER, '127.0.0.1', 3, 10);
  const r = await withReceiver({ ports: [server.port], peer_attributes: true }, async () => {
    await runClient('client', CLIENT, '127.0.0.1', server.port, 3, 10);
    await server.exited;
  });
  t.equal(total(r.metrics, 'tcp.connections.opened', { 'network.connection.direction': 'outbound', 'network.peer.address': '127.0.0.1', 'network.peer.port': server.port }), 3,
    'outbound: by peer address and port');
  const inbound = points(r.metrics, 'tcp.connections.opened', { 'network.connection.direction': 'inbound', 'network.peer.address': '127.0.0.1' });
  t.equal(inbound.length, 1, 'inbound: one series by peer address, not one per ephemeral port');
  t.equal(inbound[0]?.value, 3);
  t.notOk('network.peer.port' in (inbound[0]?.attributes ?? {}));

  const server2 = await startServer(SERVER, '127.0.0.1', 3, 10);
  const folded = await withReceiver({ ports: [server2.port], peer_attributes: true, max_series: 1 }, async () => {
    await runClient('client', CLIENT, '127.0.0.1', server2.port, 3, 10);
    await server2.exited;
  });
  const opened = points(folded.metrics, 'tcp.connections.opened');
  t.equal(opened.length, 2, 'one series kept, one overflow series');
  t.equal(points(folded.metrics, 'tcp.connections.opened', { overflow: true })[0]?.value, 3, 'the other series folded, its count kept');
  t.equal(opened.reduce((n, p) => n + (p.value ?? 0), 0), 6, 'no count lost to folding');
  t.ok(folded.ctx.telemetry.folded > 0, 'folded points are counted');
});

t.test('resets: SO_LINGER 0 sends one, the server receives one', { skip }, async (t) => {
  const server = await startServer(SERVER, '127.0.0.1', 1, 0);
  const r = await withReceiver({ ports: [server.port] }, async () => {
    await runClient('reset', CLIENT, '127.0.0.1', server.port);
    await server.exited.catch(() => undefined); // its read() may fail with ECONNRESET
  });
  t.equal(total(r.metrics, 'tcp.resets', { 'tcp.reset.direction': 'sent', 'network.connection.direction': 'outbound' }), 1, 'sent by the client');
  t.equal(total(r.metrics, 'tcp.resets', { 'tcp.reset.direction': 'received', 'network.connection.direction': 'inbound' }), 1, 'received by the server');
});

t.test('a refused connect: opened and closed, a reset received, no connect latency, no bytes', { skip }, async (t) => {
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const r = await withReceiver({ ports: [port] }, async () => {
    await runClient('refused', CLIENT, '127.0.0.1', port);
  });
  const o = { 'network.connection.direction': 'outbound', 'process.executable.name': CLIENT };
  t.equal(total(r.metrics, 'tcp.connections.opened', o), 1);
  t.equal(total(r.metrics, 'tcp.connections.closed', o), 1);
  t.equal(total(r.metrics, 'tcp.resets', { ...o, 'tcp.reset.direction': 'received' }), 1, 'the RST answering the SYN');
  t.equal(points(r.metrics, 'tcp.connect.duration').length, 0, 'never established: no connect latency');
  t.equal(r.spans.length, 1);
  t.match(r.spans[0]?.attributes, { 'tcp.bytes.sent': 0, 'tcp.bytes.received': 0, 'network.peer.port': port });
  t.notOk('tcp.connect.duration' in (r.spans[0]?.attributes ?? {}));
});

t.test('the recursion misses of every attached program are counted as recursion_miss drops', { skip }, async (t) => {
  // The kernel side of recursion misses is tested for real in test/core/kernel/recursion-miss.test.ts;
  // here, which programs the tcp receiver asks about, with their real stats plus a known offset.
  const ctx = receiverContext();
  const receiver = new TcpReceiver(tcpConfig({ ports: [1] }), ctx);
  await receiver.start();
  try {
    const obj = (receiver as unknown as { obj: BpfObject }).obj;
    const real = obj.programStats.bind(obj);
    const asked: string[] = [];
    obj.programStats = (p: string) => {
      asked.push(p);
      const stats = real(p);
      return { ...stats, recursionMisses: stats.recursionMisses + (p === 'tcp_btf_state' ? 3n : p === 'tcp_btf_probe' ? 2n : 0n) };
    };
    const before = ctx.telemetry.dropped.get('recursion_miss') ?? 0;
    receiver.collect();
    t.same([...new Set(asked)].sort(), [...TCP_PROGRAMS.tp_btf].sort(), 'every program of the variant in use, none of the other');
    t.equal((ctx.telemetry.dropped.get('recursion_miss') ?? 0) - before, 5, 'their misses are dropped records');
  } finally {
    await receiver.shutdown();
  }
});

t.test('shutdown releases every program', { skip }, async (t) => {
  await withReceiver({}, async () => undefined);
  t.same(await ourProgramsAfterRelease(), [], 'no tcp program left loaded');
});
