// The tcp receiver through the CLI: K loopback connections of B bytes each way, counted
// exactly at a real Prometheus server scraping the agent and as spans at a real OTLP server;
// bad input (an invalid port) refused with one clear message and exit code 2.
import t from 'tap';
import { decodeRequestLine } from '../../core/otlp-json';
import type { SpanRecord } from '../../core/signals';
import { probeTcp } from '../../receivers/tcp';
import { OtlpTestServer } from '../support/otlp-server';
import { PrometheusServer, prometheusMissingReason, type PromSample } from '../support/prometheus-server';
import { eventually, freePort, runCli, startAgent, writeTemp } from '../support/cli';
import { runClient, startServer } from '../receivers/tcp/harness';

const K = 4;
const B = 3000;
const CLIENT = 'e2etcp-cli';
const SERVER = 'e2etcp-srv';

const cannot = probeTcp() ?? prometheusMissingReason();
const skip = cannot ? `cannot run the tcp end-to-end test: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

const started = (l: Record<string, unknown>): boolean => l.msg === 'ebpf-pipeline started';

/** The single value of an instant vector (NaN when it is not exactly one sample). */
function single(samples: PromSample[]): number {
  return samples.length === 1 ? Number(samples[0].value[1]) : NaN;
}

t.test('K connections: exact counts and bytes at Prometheus, one span each over OTLP', { skip }, async (t) => {
  const otlp = await OtlpTestServer.start();
  t.teardown(() => otlp.close());
  const port = await freePort();
  const configPath = writeTemp('tcp.yaml', [
    'receivers:',
    `  tcp: { comms: [${CLIENT}], collection_interval: 300ms }`,
    'exporters:',
    `  prometheus: { endpoint: 127.0.0.1:${port} }`,
    `  otlp: { endpoint: ${otlp.address}, tls: { insecure: true } }`,
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [tcp], exporters: [prometheus] }',
    '    traces: { receivers: [tcp], exporters: [otlp] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog(started);
  const prometheus = await PrometheusServer.start({ target: `127.0.0.1:${port}` });
  t.teardown(() => prometheus.stop());

  const server = await startServer(SERVER, '127.0.0.1', K, B);
  const client = await runClient('client', CLIENT, '127.0.0.1', server.port, K, B);
  await server.exited;
  t.equal(client.ports.length, K, 'the client made K connections');

  const ours = `process_executable_name="${CLIENT}",network_connection_direction="outbound"`;
  const closed = await prometheus.waitFor(`tcp_connections_closed_total{${ours}}`, (s) => single(s) === K);
  t.equal(single(closed), K, 'tcp.connections.closed == K');
  t.equal(single(await prometheus.query(`tcp_connections_opened_total{${ours}}`)), K, 'tcp.connections.opened == K');
  t.equal(single(await prometheus.query(`tcp_io_total{${ours},network_io_direction="transmit"}`)), K * B, 'K * B bytes sent');
  t.equal(single(await prometheus.query(`tcp_io_total{${ours},network_io_direction="receive"}`)), K * B, 'K * B bytes received');
  t.equal(single(await prometheus.query(`tcp_connect_duration_count{${ours}}`)), K, 'K connect latencies');
  t.equal(single(await prometheus.query(`tcp_connection_duration_count{${ours}}`)), K, 'K connection durations');
  t.ok(single(await prometheus.query(`tcp_rtt_count{${ours}}`)) >= K, 'at least one RTT sample per connection');
  t.same(await prometheus.query('tcp_connections_opened_total{network_connection_direction="inbound"}'), [],
    'the comms filter leaves inbound connections out');

  const spans = await eventually(() => {
    const s = otlp.bodies('traces').flatMap((body) => decodeRequestLine(body).flatMap((b) => b.records as SpanRecord[]))
      .filter((span) => span.attributes['process.executable.name'] === CLIENT);
    return s.length >= K ? s : undefined;
  }, 15_000, 'K spans over OTLP');
  t.equal(spans.length, K, 'one span per connection');
  t.same(spans.map((s) => s.attributes['network.local.port']).sort(), [...client.ports].sort(), 'the client ports');
  for (const span of spans) {
    t.match(span.attributes, {
      'network.peer.address': '127.0.0.1', 'network.peer.port': server.port, 'tcp.bytes.sent': B, 'tcp.bytes.received': B,
      'process.pid': client.pid, 'network.transport': 'tcp', 'network.type': 'ipv4',
    });
    t.equal(span.name, 'tcp.connection');
  }
  const code = await agent.stop('SIGTERM');
  t.equal(code, 0, code === 0 ? 'SIGTERM: exit 0' : agent.stderr());
});

t.test('an invalid port: exit 2 and one clear message naming the file, line and path', async (t) => {
  const configPath = writeTemp('badport.yaml', [
    'receivers:',
    '  tcp:',
    '    ports: [443, 70000]',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [tcp], exporters: [debug] }',
  ].join('\n'));
  const r = await runCli(['--config', configPath]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /badport\.yaml:3:\d+: receivers\.tcp\.ports\[1\]: must be <= 65535/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
