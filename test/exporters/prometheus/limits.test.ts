import t from 'tap';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { calls, makePrometheus, samples, scrape } from './fixtures';

t.test('max_series: points of new series beyond the bound are dropped and counted', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0', max_series: 2 });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  t.strictSame(await exporter.export({ signal: 'metrics', records: [calls(1, 'read'), calls(1, 'write'), calls(1, 'open'), calls(1, 'close')] }),
    { ok: true, dropped: { max_series: 2, invalid_record: 0 } });
  t.strictSame(await exporter.export({ signal: 'metrics', records: [calls(4, 'read'), calls(9, 'open')] }),
    { ok: true, dropped: { max_series: 1, invalid_record: 0 } });
  t.strictSame(samples(await scrape(exporter)).slice(1).map((l) => l.replace(/,otel_scope.*\}/, '}')), [
    'syscall_calls_total{syscall_name="read"} 5',
    'syscall_calls_total{syscall_name="write"} 1',
  ]);
});

t.test('metric_expiration: a series not updated for that long disappears and frees its slot', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0', metric_expiration: '300ms', max_series: 1 });
  await exporter.start();
  t.teardown(() => exporter.shutdown());
  await exporter.export({ signal: 'metrics', records: [calls(1, 'read')] });
  t.equal(samples(await scrape(exporter)).length, 2);
  await new Promise((r) => setTimeout(r, 450));
  t.strictSame(samples(await scrape(exporter)), ['target_info{service_name="ebpf-pipeline"} 1'], 'no series: target_info of the context resource');
  t.strictSame(await exporter.export({ signal: 'metrics', records: [calls(7, 'write')] }), { ok: true, dropped: { max_series: 0, invalid_record: 0 } }, 'the expired slot is free again');
  t.strictSame(samples(await scrape(exporter)).slice(1).map((l) => l.replace(/,otel_scope.*\}/, '}')), ['syscall_calls_total{syscall_name="write"} 7']);
});

t.test('port in use: start fails with a clear message; shutdown is safe before start and twice', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const { exporter } = makePrometheus({ endpoint: `127.0.0.1:${port}` });
  await t.rejects(exporter.start(), { message: `prometheus: cannot listen on 127.0.0.1:${port}: address in use` });
  t.strictSame(exporter.endpoints?.(), []);
  await exporter.shutdown();
  await exporter.shutdown();

  const { exporter: fresh } = makePrometheus({ endpoint: '127.0.0.1:0' });
  await fresh.shutdown();
  await fresh.shutdown();
});

t.test('shutdown closes the server; logs and traces are refused', async (t) => {
  const { exporter } = makePrometheus({ endpoint: '127.0.0.1:0' });
  await exporter.start();
  const url = exporter.endpoints?.()[0] ?? '';
  const logs = await exporter.export({ signal: 'logs', records: [] });
  t.strictSame(logs.ok === false && [logs.retryable, logs.error.message], [false, 'prometheus: accepts metrics only, got logs']);
  await exporter.shutdown();
  await t.rejects(fetch(url));
});
