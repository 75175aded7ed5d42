// The alloc receiver through the CLI: a leaking workload's totals and its leak report reach a real
// OTLP server as metrics and log records; SIGTERM exits 0 (release at shutdown: kernel.test.ts).
import t from 'tap';
import { decodeRequestLine } from '../../core/otlp-json';
import type { LogRecord, MetricRecord } from '../../core/signals';
import { OtlpTestServer } from '../support/otlp-server';
import { startAgent, writeTemp, eventually } from '../support/cli';
import { probeAlloc } from '../../receivers/alloc';
import { startLeaktest } from '../receivers/alloc/harness';

const cannot = probeAlloc({});
const skip = cannot ? `the alloc receiver cannot run here: ${cannot}` : false;

t.test('totals as metrics and the leak report as logs over OTLP', { skip }, async (t) => {
  const N = 200;
  const S = 1000;
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const w = await startLeaktest(N, S, 50);
  t.teardown(() => w.child.kill('SIGKILL'));
  const configPath = writeTemp('alloc.yaml', [
    'receivers:',
    `  alloc: { pids: [${w.pid}], collection_interval: 300ms, min_age: 0s }`,
    'exporters:',
    `  otlp: { endpoint: ${server.address}, tls: { insecure: true } }`,
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [alloc], exporters: [otlp] }',
    '    logs: { receivers: [alloc], exporters: [otlp] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog((l) => l.msg === 'ebpf-pipeline started');
  await w.go();

  const records = (signal: 'logs' | 'metrics'): unknown[] =>
    server.bodies(signal).flatMap((body) => decodeRequestLine(body).flatMap((b): unknown[] => b.records));
  const outstanding = await eventually(() => {
    const last = (records('metrics') as MetricRecord[]).filter((m) => m.name === 'process.memory.outstanding' && m.attributes['process.pid'] === w.pid).at(-1);
    return last?.value === N * S ? last : undefined;
  }, 15_000, `process.memory.outstanding == ${N * S}`);
  t.match(outstanding, { type: 'gauge', unit: 'By', attributes: { 'process.executable.name': 'leaktest' } });
  // The test server's protobuf definitions predate LogRecord.event_name: found in the raw request.
  const leak = await eventually(() => (records('logs') as LogRecord[]).find((l) => l.attributes['process.memory.leak.rank'] === 1), 15_000, 'a leak record');
  t.ok(server.requests.some((r) => r.signal === 'logs' && r.raw.includes(Buffer.from('process.memory.leak'))), 'event name process.memory.leak sent');
  t.match(leak, { severityText: 'WARN', body: `${N * S} bytes in ${N} blocks outstanding for more than 0 ms, allocated at leaky` });
  t.match(leak.attributes, { 'process.pid': w.pid, 'process.memory.leak.bytes': N * S, 'process.memory.leak.count': N });
  t.equal((leak.attributes['process.memory.leak.stack'] as string[])[0], 'leaky');
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
  await w.end();
});
