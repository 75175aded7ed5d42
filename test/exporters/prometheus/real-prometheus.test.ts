import t from 'tap';
import { PrometheusServer, prometheusMissingReason } from '../../support/prometheus-server';
import { calls, makePrometheus } from './fixtures';

const skip = prometheusMissingReason();
if (skip) t.comment(`skipping: ${skip}`);

t.test('a real Prometheus scrapes the exporter and serves the series', { skip }, async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  await exporter.export({ signal: 'metrics', records: [calls(2, 'read'), calls(3, 'read'), calls(4, 'write')] });
  const url = new URL(exporter.endpoints?.()[0] ?? '');
  const prom = await PrometheusServer.start({ target: url.host, metricsPath: url.pathname });
  t.teardown(() => prom.stop());

  const read = await prom.waitFor('syscall_calls_total{syscall_name="read"}', (r) => r.length === 1);
  t.strictSame(read[0].metric, {
    __name__: 'syscall_calls_total',
    instance: url.host,
    job: 'ebpf-pipeline',
    otel_scope_name: 'ebpf-pipeline/receiver/syscall',
    otel_scope_version: '0.1.0',
    syscall_name: 'read',
  });
  t.equal(read[0].value[1], '5');
  const sum = await prom.query('sum(syscall_calls_total)');
  t.equal(sum[0].value[1], '9');
  const info = await prom.query('target_info');
  t.equal(info[0].metric.host_name, 'h1');
  t.equal(info[0].metric.service_name, 'ebpf-pipeline');

  await exporter.export({ signal: 'metrics', records: [calls(10, 'read')] });
  await prom.waitFor('syscall_calls_total{syscall_name="read"}', (r) => r[0]?.value[1] === '15');
  const [target] = await prom.targets();
  t.equal(target.health, 'up');
  t.equal(target.lastError, '');
});
