import t from 'tap';
import { ExporterQueue, type QueueOptions } from '../../../core/engine/exporter-queue';
import { ComponentTelemetry } from '../../../core/telemetry';
import { silentLogger } from '../../../core/logger';
import type { Batch, LogRecord } from '../../../core/signals';
import { MemoryExporter } from '../../support/memory-exporter';

const resource = { attributes: {} };
const scope = { name: 'test' };
function logs(n: number): Batch {
  const records: LogRecord[] = Array.from({ length: n }, (_, i) => ({ resource, scope, time: [1, i], attributes: {}, body: `r${i}` }));
  return { signal: 'logs', records };
}
const noRetry: QueueOptions['retry'] = { enabled: false, initialIntervalMs: 1, maxIntervalMs: 1, maxElapsedMs: 0 };

function setup(options: Partial<QueueOptions> = {}) {
  const exporter = new MemoryExporter('memory');
  const telemetry = new ComponentTelemetry('memory', 'exporter');
  const queue = new ExporterQueue('memory', exporter, telemetry, { capacity: 100, consumers: 1, retry: noRetry, ...options }, silentLogger());
  const invariant = (): boolean =>
    telemetry.received === telemetry.sent + telemetry.droppedTotal() + (telemetry.queueSize?.() ?? 0);
  return { exporter, telemetry, queue, invariant };
}

t.test('overflow drops whole batches as queue_full and the counts add up', async (t) => {
  const { exporter, telemetry, queue, invariant } = setup();
  let open!: () => void;
  exporter.gate = new Promise((resolve) => (open = resolve));
  for (let i = 0; i < 30; i++) {
    queue.offer(logs(10));
    t.ok(invariant(), `invariant holds after offer ${i}`);
  }
  t.equal(telemetry.received, 300);
  t.equal(telemetry.queueSize?.(), 100, 'queue holds its capacity');
  t.equal(telemetry.dropped.get('queue_full'), 200);
  open();
  await queue.drain(1000);
  t.equal(telemetry.sent, 100);
  t.equal(exporter.records().length, 100);
  t.equal(telemetry.queueSize?.(), 0);
  t.ok(invariant());
});

t.test('retryable failures are retried until they succeed', async (t) => {
  const { exporter, telemetry, queue, invariant } = setup({ retry: { enabled: true, initialIntervalMs: 5, maxIntervalMs: 10, maxElapsedMs: 0 } });
  exporter.failWith = { ok: false, retryable: true, error: new Error('unavailable') };
  queue.offer(logs(7));
  await new Promise((r) => setTimeout(r, 40));
  t.ok(exporter.calls >= 2, `retried (${exporter.calls} calls)`);
  t.equal(telemetry.queueSize?.(), 7, 'still queued while retrying');
  t.ok(invariant());
  exporter.failWith = undefined;
  await queue.drain(1000);
  t.equal(telemetry.sent, 7);
  t.equal(telemetry.droppedTotal(), 0);
});

t.test('permanent failures drop as export_failed; exhausted retries as retries_exhausted', async (t) => {
  const a = setup();
  a.exporter.failWith = { ok: false, retryable: false, error: new Error('bad request') };
  a.queue.offer(logs(3));
  await a.queue.drain(1000);
  t.equal(a.telemetry.dropped.get('export_failed'), 3);
  t.ok(a.invariant());

  const b = setup({ retry: { enabled: true, initialIntervalMs: 5, maxIntervalMs: 5, maxElapsedMs: 30 } });
  b.exporter.failWith = { ok: false, retryable: true, error: new Error('unavailable') };
  b.queue.offer(logs(4));
  await b.queue.drain(2000);
  t.equal(b.telemetry.dropped.get('retries_exhausted'), 4);
  t.ok(b.invariant());
});

t.test('drain deadline stops retrying and counts what is left as shutdown', async (t) => {
  const { exporter, telemetry, queue, invariant } = setup({ retry: { enabled: true, initialIntervalMs: 1000, maxIntervalMs: 1000, maxElapsedMs: 0 } });
  exporter.failWith = { ok: false, retryable: true, error: new Error('unavailable') };
  queue.offer(logs(5));
  queue.offer(logs(6));
  await new Promise((r) => setImmediate(r));
  await queue.drain(50);
  t.equal(telemetry.dropped.get('shutdown'), 11);
  t.equal(telemetry.sent, 0);
  t.ok(invariant());
  queue.offer(logs(2));
  t.equal(telemetry.dropped.get('shutdown'), 13, 'offers after shutdown are counted as dropped');
});

t.test('a batch larger than the capacity is taken only when the queue is empty', async (t) => {
  const { telemetry, queue } = setup({ capacity: 10 });
  queue.offer(logs(25));
  queue.offer(logs(1));
  t.equal(telemetry.dropped.get('queue_full'), 1);
  await queue.drain(1000);
  t.equal(telemetry.sent, 25);
});

t.test('records an exporter reports as dropped are not counted as sent', async (t) => {
  const { exporter, telemetry, queue, invariant } = setup();
  exporter.export = async () => ({ ok: true, dropped: { max_series: 3, invalid_record: 1 } });
  queue.offer(logs(10));
  await queue.drain(1000);
  t.equal(telemetry.sent, 6);
  t.equal(telemetry.dropped.get('max_series'), 3);
  t.equal(telemetry.dropped.get('invalid_record'), 1);
  t.ok(invariant());
});
