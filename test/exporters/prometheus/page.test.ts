import t from 'tap';
import type { MetricRecord } from '../../../core/signals';
import { calls, makePrometheus, resource, samples, scope, scrape } from './fixtures';

const S = 'otel_scope_name="ebpf-pipeline/receiver/syscall",otel_scope_version="0.1.0"';

t.test('the page: exact text, cumulative across exports and scrapes', async (t) => {
  const { exporter, ctx } = makePrometheus({ endpoint: '127.0.0.1:0' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  t.match(exporter.endpoints?.(), [/^http:\/\/127\.0\.0\.1:\d+\/metrics$/]);
  t.strictSame(await exporter.export({ signal: 'metrics', records: [calls(2)] }), { ok: true, dropped: { max_series: 0, invalid_record: 0 } });
  t.equal(await scrape(exporter), [
    '# HELP target_info Target metadata',
    '# TYPE target_info gauge',
    'target_info{host_name="h1",service_name="ebpf-pipeline"} 1',
    '# HELP syscall_calls_total Syscalls made',
    '# UNIT syscall_calls_total {call}',
    '# TYPE syscall_calls_total counter',
    `syscall_calls_total{syscall_name="read",${S}} 2`,
    '',
  ].join('\n'));
  await exporter.export({ signal: 'metrics', records: [calls(3)] });
  t.strictSame(samples(await scrape(exporter)).slice(1), [`syscall_calls_total{syscall_name="read",${S}} 5`]);
  t.strictSame(samples(await scrape(exporter)).slice(1), [`syscall_calls_total{syscall_name="read",${S}} 5`], 'a scrape does not reset');
  t.equal(ctx.telemetry.droppedTotal(), 0);
});

t.test('cumulative input keeps the last value; gauges the last; up-down sums are gauges', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  const gauge = (value: number): MetricRecord => ({
    resource, scope, name: 'process.memory.usage', unit: 'By', type: 'gauge', temporality: 'cumulative', attributes: { 'process.pid': 42 },
    startTime: [1, 0], time: [2, 0], value,
  });
  await exporter.export({
    signal: 'metrics',
    records: [
      calls(10, 'read', { temporality: 'cumulative' }), calls(12, 'read', { temporality: 'cumulative' }),
      gauge(100), gauge(90),
      calls(-4, 'open', { name: 'fd.open', monotonic: false, description: undefined, unit: undefined }),
      calls(1, 'open', { name: 'fd.open', monotonic: false, description: undefined, unit: undefined }),
    ],
  });
  const page = await scrape(exporter);
  t.strictSame(samples(page).slice(1), [
    `fd_open{syscall_name="open",${S}} -3`,
    `process_memory_usage{process_pid="42",${S}} 90`,
    `syscall_calls_total{syscall_name="read",${S}} 12`,
  ]);
  t.match(page, '# HELP fd_open description missing\n# TYPE fd_open gauge\n');
  t.match(page, '# UNIT process_memory_usage By\n# TYPE process_memory_usage gauge\n');
});

t.test('histograms: delta accumulated bucket-wise, new bounds start over, cumulative replaces', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  const hist = (bounds: number[], counts: number[], sum: number, temporality: 'delta' | 'cumulative' = 'delta', name = 'io.latency'): MetricRecord => ({
    resource, scope, name, unit: 's', type: 'histogram', temporality, attributes: { op: 'read' }, startTime: [1, 0], time: [2, 0],
    histogram: { bounds, counts, sum, count: counts.reduce((a, b) => a + b, 0) },
  });
  await exporter.export({ signal: 'metrics', records: [hist([0.1, 1], [1, 2, 3], 4.5), hist([0.1, 1], [1, 0, 1], 2.25)] });
  const L = `op="read",${S}`;
  t.strictSame(samples(await scrape(exporter)).slice(1), [
    `io_latency_count{${L}} 8`,
    `io_latency_sum{${L}} 6.75`,
    `io_latency_bucket{${L},le="0.1"} 2`,
    `io_latency_bucket{${L},le="1"} 4`,
    `io_latency_bucket{${L},le="+Inf"} 8`,
  ]);
  await exporter.export({ signal: 'metrics', records: [hist([0.5], [4, 1], 1.5), hist([1], [5, 5], 9, 'cumulative', 'io.size'), hist([1], [1, 1], 3, 'cumulative', 'io.size')] });
  t.strictSame(samples(await scrape(exporter)).slice(1), [
    `io_latency_count{${L}} 5`,
    `io_latency_sum{${L}} 1.5`,
    `io_latency_bucket{${L},le="0.5"} 4`,
    `io_latency_bucket{${L},le="+Inf"} 5`,
    `io_size_count{${L}} 2`,
    `io_size_sum{${L}} 3`,
    `io_size_bucket{${L},le="1"} 1`,
    `io_size_bucket{${L},le="+Inf"} 2`,
  ]);
});

t.test('a metric name arriving with another type starts over; other paths are 404', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0', path: '/prom' });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  await exporter.export({ signal: 'metrics', records: [calls(5), calls(7, 'write')] });
  await exporter.export({ signal: 'metrics', records: [calls(1, 'read', { type: 'gauge', temporality: 'cumulative' })] });
  t.strictSame(samples(await scrape(exporter)).slice(1), [`syscall_calls{syscall_name="read",${S}} 1`]);
  const url = new URL(exporter.endpoints?.()[0] ?? '');
  t.equal(url.pathname, '/prom');
  t.equal((await fetch(new URL('/metrics', url))).status, 404);
});

t.test('resource_to_telemetry_conversion and several resources', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0', resource_to_telemetry_conversion: { enabled: true } });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  const other = { attributes: { 'host.name': 'h2', 'service.name': 'ebpf-pipeline' } };
  await exporter.export({ signal: 'metrics', records: [calls(1), calls(2, 'read', { resource: other })] });
  const page = await scrape(exporter);
  t.strictSame(samples(page), [
    'target_info{service_name="ebpf-pipeline"} 1',
    `syscall_calls_total{syscall_name="read",host_name="h1",service_name="ebpf-pipeline",${S}} 1`,
    `syscall_calls_total{syscall_name="read",host_name="h2",service_name="ebpf-pipeline",${S}} 2`,
  ]);
});
