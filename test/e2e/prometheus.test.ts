// The CLI replays a recording into the prometheus exporter; a real Prometheus server scrapes
// /metrics and its HTTP API returns the recorded series with their final values.
import t from 'tap';
import { join } from 'node:path';
import { PrometheusServer, prometheusMissingReason, type PromSample } from '../support/prometheus-server';
import { startAgent, writeTemp, freePort, ROOT } from '../support/cli';

const SAMPLE = join(ROOT, 'test/fixtures/replay/sample.jsonl');

/** `label=value,...` -> value, for a compact comparison. */
function byLabels(samples: PromSample[], labels: string[]): Record<string, number> {
  return Object.fromEntries(samples.map((s) => [labels.map((l) => s.metric[l]).join(','), Number(s.value[1])]));
}

t.test('Prometheus scrapes the replayed metrics and the agent counters', { skip: prometheusMissingReason() }, async (t) => {
  const port = await freePort();
  const configPath = writeTemp('prom.yaml', [
    'receivers:',
    `  replay: { path: ${SAMPLE} }`,
    '  selftelemetry: { collection_interval: 500ms }',
    'processors:',
    '  batch: { timeout: 100ms }',
    'exporters:',
    '  prometheus: { endpoint: ${env:PROM_ENDPOINT} }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [replay, selftelemetry], processors: [batch], exporters: [prometheus] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath], { PROM_ENDPOINT: `127.0.0.1:${port}` });
  t.teardown(() => agent.stop('SIGKILL'));
  const listening = await agent.waitForLog((l) => typeof l.endpoint === 'string');
  t.equal(listening.endpoint, `http://127.0.0.1:${port}/metrics`, 'the start log names the endpoint');

  const prometheus = await PrometheusServer.start({ target: `127.0.0.1:${port}` });
  t.teardown(() => prometheus.stop());

  const calls = await prometheus.waitFor('syscall_calls_total', (s) => s.length === 3);
  t.same(byLabels(calls, ['syscall_name', 'process_executable_name']), { 'read,nginx': 250, 'write,nginx': 90, 'read,postgres': 610 },
    'cumulative sums: the last recorded values');
  t.same([...new Set(calls.map((s) => s.metric.otel_scope_name))], ['ebpf-pipeline/syscall']);

  const buckets = await prometheus.query('syscall_duration_bucket{syscall_name="read",process_executable_name="nginx"}');
  const perLe = Object.fromEntries(Object.entries(byLabels(buckets, ['le'])).map(([le, n]) => [le === '+Inf' ? le : String(Number(le)), n]));
  t.same(perLe, { '0.00001': 100, '0.0001': 185, '0.001': 230, '0.01': 246, '+Inf': 250 }, 'histogram buckets, cumulative per le');
  t.same(byLabels(await prometheus.query('syscall_duration_count'), ['syscall_name']), { read: 250 });
  t.same(byLabels(await prometheus.query('syscall_duration_sum'), ['syscall_name']), { read: 0.26 });

  const replayed = await prometheus.waitFor('ebpf_pipeline_component_sent_total{component_id="replay"}', (s) => s.length === 1);
  t.equal(Number(replayed[0].value[1]), 12, 'the replay receiver emitted all 12 records');
  const capacity = await prometheus.query('ebpf_pipeline_queue_capacity{component_id="prometheus"}');
  t.equal(Number(capacity[0]?.value[1]), 100000, 'default queue capacity');
  t.equal(await agent.stop('SIGTERM'), 0);
});
