// Rules on metrics through the CLI: the syscall receiver's counters go through the
// metricstologs connector into a logs pipeline whose anomaly processor runs a rate
// rule; a workload making 5000 failing close(-1) calls raises exactly one alert that
// reaches a real OTLP server. And connector misuse is one clear config message.
import t from 'tap';
import type { Test } from 'tap';
import { decodeRequestLine } from '../../core/otlp-json';
import type { LogRecord } from '../../core/signals';
import { OtlpTestServer } from '../support/otlp-server';
import { eventually, runCli, startAgent, writeTemp } from '../support/cli';
import { startWorkload } from '../receivers/syscall/harness';

const asRoot = process.getuid?.() === 0;
const started = (l: Record<string, unknown>): boolean => l.msg === 'ebpf-pipeline started';

function assertOneCleanError(t: Test, result: { code: number | null; stderr: string }, pattern: RegExp): void {
  t.equal(result.code, 2, 'exit code 2');
  t.match(result.stderr, pattern);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
  t.equal(result.stderr.split('\n').filter((l) => /^\S.*:\d+:\d+: /.test(l)).length, 1, `one problem: ${result.stderr}`);
}

t.test('5000 failing syscalls of one program raise one error-rate alert over OTLP', { skip: asRoot ? false : 'the syscall receiver needs root (CAP_BPF, CAP_PERFMON)' }, async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const configPath = writeTemp('anomaly-metrics.yaml', [
    'receivers:',
    '  syscall: { comms: [e2emerr], per_process: true, latency: false, collection_interval: 300ms }',
    'connectors:',
    '  metricstologs: { metrics: [syscall.errors] }',
    'processors:',
    '  anomaly:',
    '    drop_events: true',
    '    rules:',
    '      - rule: Syscall error storm',
    '        condition: attributes["metric.name"] == "syscall.errors"',
    '        count: { by: [process.executable.name], over: 1h, value: metric.delta, rate_gt: 1.388 }',
    '        output: "%{process.executable.name}: %{anomaly.window.total} failed calls in %{anomaly.window}s, %{anomaly.value}/s"',
    'exporters:',
    `  otlp: { endpoint: ${server.address}, tls: { insecure: true } }`,
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [metricstologs] }',
    '    logs/alerts: { receivers: [metricstologs], processors: [anomaly], exporters: [otlp] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog(started);
  const workload = await startWorkload({ comm: 'e2emerr', fail: 5000 });
  await workload.go();

  const alerts = (): LogRecord[] =>
    server.bodies('logs').flatMap((body) => decodeRequestLine(body).flatMap((b) => b.records as LogRecord[]));
  const [alert] = await eventually(() => (alerts().length > 0 ? alerts() : undefined), 15_000, 'an alert over OTLP');
  // A 1 h window: 5000 errors are 1.38889/s; the threshold, 1.388/s, is 4996.8 errors, so only the
  // point that brings the window to all 5000 raises it (even when one read of the kernel map falls
  // between the calls and the errors come as two deltas).
  t.match(alert.attributes, {
    'event.name': 'anomaly.alert',
    'security_rule.name': 'Syscall error storm',
    'process.executable.name': 'e2emerr',
    'process.pid': workload.pid,
    'syscall.name': 'close',
    'error.type': 'EBADF',
    'metric.name': 'syscall.errors',
    'metric.value': 5000,
    'anomaly.value': 1.38889,
    'anomaly.window.total': 5000,
    'anomaly.threshold': 1.388,
    'anomaly.window': 3600,
    'trigger.event.name': 'metric.point',
  });
  t.equal(alert.severityText, 'WARNING', 'the default priority');
  t.equal(alert.body, 'e2emerr: 5000 failed calls in 3600s, 1.38889/s');
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
  t.equal(alerts().length, 1, 'one alert: one key, one window; the metric points themselves were dropped');
});

t.test('validate: a connector only on the exporter side is one clear message naming the pipeline entry', async (t) => {
  const config = writeTemp('one-sided.yaml', [
    'receivers:',
    '  syscall: { optional: true }',
    'connectors:',
    '  metricstologs: {}',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug, metricstologs] }',
  ].join('\n'));
  const result = await runCli(['validate', '--config', config]);
  assertOneCleanError(t, result, /one-sided\.yaml:9:57: service\.pipelines\.metrics\.exporters\[1\]: connector "metricstologs" is an exporter of pipeline "metrics" but no pipeline lists it under receivers:, so what it makes would go nowhere; list it under receivers: of a logs pipeline/);
});

t.test('validate: a connector on the wrong signal names the entry and what it takes', async (t) => {
  const config = writeTemp('wrong-signal.yaml', [
    'receivers:',
    '  syscall: { optional: true }',
    'connectors:',
    '  metricstologs: {}',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [metricstologs] }',
    '    metrics/out: { receivers: [metricstologs], exporters: [debug] }',
  ].join('\n'));
  const result = await runCli(['validate', '--config', config]);
  assertOneCleanError(t, result, /wrong-signal\.yaml:10:32: service\.pipelines\.metrics\/out\.receivers\[0\]: connector "metricstologs" does not emit metrics \(it emits logs\), so it cannot be a receiver of pipeline "metrics\/out"; list it under receivers: of a logs pipeline/);
});

t.test('validate: a connector in no pipeline is an error at its definition', async (t) => {
  const config = writeTemp('unused.yaml', [
    'receivers:',
    '  syscall: { optional: true }',
    'connectors:',
    '  metricstologs/spare: {}',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug] }',
  ].join('\n'));
  const result = await runCli(['validate', '--config', config]);
  assertOneCleanError(t, result, /unused\.yaml:4:3: connectors\.metricstologs\/spare: connector "metricstologs\/spare" is not used in any pipeline; list it under exporters: of a metrics pipeline and under receivers: of a logs pipeline, or remove it/);
});
