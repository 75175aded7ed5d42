// The packet receiver through the CLI: over a veth pair (one end in a network namespace), exactly
// P UDP datagrams and P pings are counted at a real Prometheus server scraping the agent, by
// direction, protocol, bytes and size bucket; shutdown leaves tc as it was. Bad input: a
// nonexistent interface ends in exit 2 and one clear message, or with `optional: true` in a
// warning while the rest of the pipeline runs.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { probePacket } from '../../receivers/packet';
import { PrometheusServer, prometheusMissingReason, type PromSample } from '../support/prometheus-server';
import { eventually, freePort, runCli, startAgent, writeTemp } from '../support/cli';

const NS = 'ebpe-pkt-b';
const IF = 'ebpe-pkt-a';
const PEER_IF = 'ebpe-pkt-p';
const ADDR = '10.213.11.1';
const PEER_ADDR = '10.213.11.2';
const SINK_PORT = 9998;
const P = 40;
const UDP_SIZE = 600;
const ICMP_SIZE = 200;
/** Frame sizes at the tc hook: ethernet 14 + IPv4 20 + UDP 8 / ICMP 8 + payload. */
const UDP_FRAME = 14 + 20 + 8 + UDP_SIZE;
const ICMP_FRAME = 14 + 20 + 8 + ICMP_SIZE;

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function teardown(): void {
  for (const args of [['link', 'del', IF], ['netns', 'del', NS]]) {
    try {
      run('ip', args);
    } catch {
      // not there
    }
  }
}

function setup(): void {
  teardown();
  run('ip', ['netns', 'add', NS]);
  run('ip', ['link', 'add', IF, 'type', 'veth', 'peer', 'name', PEER_IF, 'netns', NS]);
  run('sysctl', ['-q', '-w', `net.ipv6.conf.${IF}.disable_ipv6=1`]);
  run('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', `net.ipv6.conf.${PEER_IF}.disable_ipv6=1`]);
  run('ip', ['addr', 'add', `${ADDR}/30`, 'dev', IF]);
  run('ip', ['-n', NS, 'addr', 'add', `${PEER_ADDR}/30`, 'dev', PEER_IF]);
  run('ip', ['link', 'set', IF, 'up']);
  run('ip', ['-n', NS, 'link', 'set', PEER_IF, 'up']);
}

function tcState(): string {
  return [['qdisc', 'show', 'dev', IF], ['filter', 'show', 'dev', IF, 'ingress'], ['filter', 'show', 'dev', IF, 'egress']]
    .map((args) => run('tc', args)).join('---\n');
}

/** A UDP sink in the namespace, so the datagrams draw no ICMP port-unreachable. */
async function startUdpSink(): Promise<() => void> {
  const code = `const s=require('dgram').createSocket('udp4');s.on('message',()=>{});s.bind(${SINK_PORT},'${PEER_ADDR}',()=>console.log('ready'));`;
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    child.once('exit', (c) => reject(new Error(`udp sink exited with ${c}`)));
  });
  return () => child.kill();
}

async function sendUdp(count: number, size: number): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, ADDR, resolve));
  const payload = Buffer.alloc(size, 0x61);
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => sock.send(payload, SINK_PORT, PEER_ADDR, (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve) => sock.close(resolve));
}

function single(samples: PromSample[]): number {
  return samples.length === 1 ? Number(samples[0].value[1]) : NaN;
}

const started = (l: Record<string, unknown>): boolean => l.msg === 'ebpf-pipeline started';
const asRoot = process.getuid?.() === 0;
const cannot = asRoot ? (probePacket({ interfaces: [] }) ?? prometheusMissingReason()) : 'needs root to make network namespaces';
const skip = cannot ? `cannot run the packet end-to-end test: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);
if (!skip) {
  setup();
  t.teardown(teardown);
}

t.test('P datagrams and P pings: exact packets, bytes and size buckets at Prometheus', { skip }, async (t) => {
  const stopSink = await startUdpSink();
  t.teardown(stopSink);
  const before = tcState();
  const port = await freePort();
  const configPath = writeTemp('packet.yaml', [
    'receivers:',
    `  packet: { interfaces: [${IF}], collection_interval: 300ms }`,
    'exporters:',
    `  prometheus: { endpoint: 127.0.0.1:${port} }`,
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [packet], exporters: [prometheus] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog(started);
  const prometheus = await PrometheusServer.start({ target: `127.0.0.1:${port}` });
  t.teardown(() => prometheus.stop());

  await sendUdp(P, UDP_SIZE);
  run('ping', ['-q', '-n', '-c', String(P), '-s', String(ICMP_SIZE), '-i', '0.01', '-W', '2', PEER_ADDR]);

  const on = `network_interface_name="${IF}",network_type="ipv4"`;
  const udpTx = `${on},network_io_direction="transmit",network_transport="udp"`;
  const icmpRx = `${on},network_io_direction="receive",network_transport="icmp"`;
  const icmpTx = `${on},network_io_direction="transmit",network_transport="icmp"`;
  await prometheus.waitFor(`network_packets_total{${icmpRx}}`, (s) => single(s) === P);
  t.equal(single(await prometheus.query(`network_packets_total{${udpTx}}`)), P, 'UDP datagrams sent');
  t.equal(single(await prometheus.query(`network_io_total{${udpTx}}`)), P * UDP_FRAME, 'UDP bytes sent');
  t.same(await prometheus.query(`network_packets_total{${on},network_io_direction="receive",network_transport="udp"}`), [], 'no UDP received');
  t.equal(single(await prometheus.query(`network_packets_total{${icmpTx}}`)), P, 'echo requests sent');
  t.equal(single(await prometheus.query(`network_packets_total{${icmpRx}}`)), P, 'echo replies received');
  t.equal(single(await prometheus.query(`network_io_total{${icmpRx}}`)), P * ICMP_FRAME, 'ICMP bytes received');
  t.equal(single(await prometheus.query(`network_packet_size_bucket{${udpTx},le="511"}`)), 0, `no UDP frame of ${UDP_FRAME} bytes at or below 511`);
  t.equal(single(await prometheus.query(`network_packet_size_bucket{${udpTx},le="1023"}`)), P, 'all in (511, 1023]');
  t.equal(single(await prometheus.query(`network_packet_size_bucket{${icmpRx},le="127"}`)), 0);
  t.equal(single(await prometheus.query(`network_packet_size_bucket{${icmpRx},le="255"}`)), P, `all echo replies of ${ICMP_FRAME} bytes in (127, 255]`);
  t.same(await prometheus.query(`network_packets_total{network_interface_name="${IF}",network_type="ipv6"}`), [], 'no IPv6 (disabled)');

  const code = await agent.stop('SIGTERM');
  t.equal(code, 0, code === 0 ? 'SIGTERM: exit 0' : agent.stderr());
  t.equal(tcState(), before, 'tc qdisc and filters are as before the start');
});

const BAD_INTERFACE = 'ebpe-pkt-nope';

function pipeline(receiver: string): string {
  return [
    'receivers:',
    `  ${receiver}`,
    '  selftelemetry: { collection_interval: 1s }',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    `    metrics: { receivers: [packet, selftelemetry], exporters: [debug] }`,
  ].join('\n');
}

t.test('a nonexistent interface: exit 2 and one clear message', { skip }, async (t) => {
  const configPath = writeTemp('nope.yaml', pipeline(`packet: { interfaces: [${BAD_INTERFACE}] }`));
  const r = await runCli(['--config', configPath]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /nope\.yaml:2:\d+: receivers\.packet: receiver "packet" cannot run here: .*interface "ebpe-pkt-nope" not found/);
  t.match(r.stderr, /optional: true/, 'says how to start without it');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('a nonexistent interface with optional: true: a warning, and the agent runs without the receiver', { skip }, async (t) => {
  const configPath = writeTemp('optional.yaml', pipeline(`packet: { optional: true, interfaces: [${BAD_INTERFACE}] }`));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog(started);
  const warning = agent.logs().find((l) => l.receiver === 'packet' && l.level === 40);
  t.match(warning, { msg: /optional receiver packet cannot run here; starting without it/, reason: /interface "ebpe-pkt-nope" not found/ });
  await eventually(() => (/^debug metrics: \d+ points$/m.test(agent.stderr()) ? true : undefined), 10_000, 'the selftelemetry points at the debug exporter');
  t.pass('the rest of the pipeline runs');
  const code = await agent.stop('SIGTERM');
  t.equal(code, 0, code === 0 ? 'SIGTERM: exit 0' : agent.stderr());
});
