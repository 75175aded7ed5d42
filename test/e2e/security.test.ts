// The security receiver through the CLI: events with their process ancestry and a
// security.events_dropped record reach a real OTLP server, the drops the ebpf_pipeline_* metrics too (matched on the `event.name`
// attribute: the test server's OTLP definitions predate LogRecord.event_name); shutdown leaves nothing loaded.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRequestLine } from '../../core/otlp-json';
import type { LogRecord } from '../../core/signals';
import { OtlpTestServer } from '../support/otlp-server';
import { startAgent, writeTemp, eventually, freePort } from '../support/cli';
import { ourProgramIds, secactPath, stillLoaded } from '../receivers/security/harness';

const skip = process.getuid?.() === 0 ? false : 'the security receiver needs root (CAP_BPF, CAP_PERFMON)';

t.test('events and drop reports arrive over OTLP', { skip }, async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), 'sece2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'secret');
  writeFileSync(file, 'x');
  const port = await freePort();
  const configPath = writeTemp('security.yaml', [
    'receivers:',
    `  security: { watched_paths: ["${dir}/"], rate_limit: { events_per_second: 1, burst: 5 }, collection_interval: 300ms }`,
    '  selftelemetry: { collection_interval: 300ms }',
    'exporters:',
    `  otlp: { endpoint: ${server.address}, tls: { insecure: true } }`,
    `  prometheus: { endpoint: 127.0.0.1:${port} }`,
    'service:',
    '  pipelines:',
    '    logs: { receivers: [security], exporters: [otlp] }',
    '    metrics: { receivers: [selftelemetry], exporters: [prometheus] }',
  ].join('\n'));
  const before = ourProgramIds();
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog((l) => l.msg === 'ebpf-pipeline started');
  const mine = new Set([...ourProgramIds()].filter((id) => !before.has(id)));
  execFileSync('bash', ['-c', `sh -c "cat ${file}; true"; true`]);
  const flood = execFileSync(secactPath(), ['flood', file, '0.2']).toString();
  const opens = Number(/opens (\d+)/.exec(flood)?.[1]);

  const logs = (): LogRecord[] => server.bodies('logs').flatMap((body) => decodeRequestLine(body).flatMap((b) => b.records as LogRecord[]));
  const cat = await eventually(() => logs().find((r) => r.attributes['event.name'] === 'file.open' && r.attributes['process.executable.name'] === 'cat'),
    15_000, 'the cat\'s file.open');
  t.equal(cat.attributes['event.name'], 'file.open');
  t.equal(cat.attributes['file.path'], file);
  t.same((cat.attributes['process.ancestors.executable.name'] as string[]).slice(0, 2), ['sh', 'bash']);
  t.equal(cat.resource.attributes['service.name'], 'ebpf-pipeline');
  const dropped = await eventually(() => {
    const n = logs().filter((r) => r.attributes['event.name'] === 'security.events_dropped' && r.attributes['security.dropped.reason'] === 'rate_limited'
      && r.attributes['security.dropped.event.name'] === 'file.open').reduce((s, r) => s + (r.attributes['security.dropped.count'] as number), 0);
    const delivered = logs().filter((r) => r.attributes['event.name'] === 'file.open' && r.attributes['process.executable.name'] !== 'cat'
      && r.attributes['file.path'] === file).length;
    return n + delivered === opens ? { n, delivered } : undefined;
  }, 15_000, 'delivered + rate_limited == the flood\'s opens');
  t.ok(dropped.n > 0 && dropped.delivered >= 5 && dropped.delivered <= 6, `${dropped.delivered} delivered, ${dropped.n} rate limited of ${opens}`);
  // The same drops as an ebpf_pipeline_* metric (every event kind: other processes may be limited too).
  const metric = await eventually(async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('ebpf_pipeline_component_dropped') && l.includes('"security"') && l.includes('rate_limited'));
    const value = line ? Number(line.split(' ').at(-1)) : NaN;
    return value >= dropped.n ? value : undefined;
  }, 15_000, 'ebpf_pipeline_component_dropped{security, rate_limited} on /metrics');
  t.ok(metric >= dropped.n, `ebpf_pipeline_component_dropped_total{reason="rate_limited"} ${metric}`);
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
  t.same(await stillLoaded(mine), [], 'nothing of ours is loaded after shutdown');
});
