// The metricstologs conversion: a point's attributes plus metric.*; for cumulative
// sums and histograms the delta, interval and rate since the series' previous point,
// with restarts and the max_series bound; the connector operator filters by name
// and counts what it filters.
import t from 'tap';
import { firstValueFrom, from, toArray } from 'rxjs';
import { metricsToLogsConnectorFactory } from '../../../connectors/metricstologs';
import { PointConverter } from '../../../connectors/metricstologs/convert';
import type { Batch, LogRecord, MetricRecord } from '../../../core/signals';
import { receiverContext, schemaConfig } from '../../support/receiver-context';
import type { MetricsToLogsConfig } from '../../../connectors/metricstologs/config';

const resource = { attributes: { 'host.name': 'h' } };
const scope = { name: 's' };
const T0 = 1_700_000_000;

function sum(value: number, at: number, attributes: Record<string, string> = { 'syscall.name': 'read' }, extra: Partial<MetricRecord> = {}): MetricRecord {
  return {
    resource, scope, name: 'syscall.calls', unit: '{call}', type: 'sum', monotonic: true, temporality: 'cumulative',
    attributes, startTime: [T0, 0], time: [T0 + at, 0], value, ...extra,
  };
}

t.test('a cumulative sum: first point counts from its start, then deltas between points', async (t) => {
  const c = new PointConverter(10);
  const first = c.convert(sum(40, 4));
  t.same(first, {
    resource, scope: { name: 'ebpf-pipeline/connector/metricstologs', version: first.scope.version }, time: [T0 + 4, 0], observedTime: [T0 + 4, 0],
    eventName: 'metric.point',
    attributes: {
      'syscall.name': 'read', 'metric.name': 'syscall.calls', 'metric.type': 'sum', 'metric.unit': '{call}',
      'metric.value': 40, 'metric.delta': 40, 'metric.interval': 4, 'metric.rate': 10,
    },
  });
  t.match(c.convert(sum(70, 6.5)).attributes, { 'metric.value': 70, 'metric.delta': 30, 'metric.interval': 2.5, 'metric.rate': 12 });
  t.match(c.convert(sum(70, 8.5)).attributes, { 'metric.delta': 0, 'metric.rate': 0 });
  t.match(c.convert(sum(5, 9, { 'syscall.name': 'write' })).attributes, { 'metric.delta': 5, 'metric.rate': 5 / 9 }, 'another series of the same metric');
  t.same(c.stats, { evictions: 0, resets: 0 });
});

t.test('attribute order does not split a series; resources with the same attributes share it', async (t) => {
  const c = new PointConverter(10);
  c.convert(sum(10, 1, { a: '1', b: '2' }));
  const again = c.convert({ ...sum(15, 2, { b: '2', a: '1' }), resource: { attributes: { 'host.name': 'h' } } });
  t.match(again.attributes, { 'metric.delta': 5, 'metric.interval': 1 });
  const other = c.convert({ ...sum(15, 3, { a: '1', b: '2' }), resource: { attributes: { 'host.name': 'other' } } });
  t.match(other.attributes, { 'metric.delta': 15, 'metric.interval': 3 }, 'another host is another series');
});

t.test('an attribute named __proto__ is copied as an attribute, not as the prototype', async (t) => {
  const attributes = JSON.parse('{"__proto__": "x", "a": "1"}') as Record<string, string>;
  const record = new PointConverter(10).convert(sum(1, 1, attributes));
  t.equal(Object.getPrototypeOf(record.attributes), Object.prototype);
  t.same(Object.entries(record.attributes).slice(0, 2), [['__proto__', 'x'], ['a', '1']]);
});

t.test('restarts: a new start time, or a monotonic value that went down', async (t) => {
  const c = new PointConverter(10);
  c.convert(sum(100, 10));
  const restarted = c.convert(sum(7, 12, undefined, { startTime: [T0 + 11, 0] }));
  t.match(restarted.attributes, { 'metric.delta': 7, 'metric.interval': 1, 'metric.rate': 7 });
  const down = c.convert(sum(3, 13, undefined, { startTime: [T0 + 11, 0] }));
  t.match(down.attributes, { 'metric.delta': 3, 'metric.interval': 2 }, 'went down: counted from its start again');
  t.equal(c.stats.resets, 2);
  const updown = new PointConverter(10);
  updown.convert(sum(10, 1, undefined, { monotonic: false }));
  t.match(updown.convert(sum(4, 2, undefined, { monotonic: false })).attributes, { 'metric.delta': -6, 'metric.rate': -6 }, 'a non-monotonic sum may go down');
  t.equal(updown.stats.resets, 0);
});

t.test('no start time: the first point has no delta; gauges never do; delta sums are their own delta', async (t) => {
  const c = new PointConverter(10);
  const first = c.convert(sum(50, 5, undefined, { startTime: [0, 0] }));
  t.equal(first.attributes['metric.delta'], undefined);
  t.match(c.convert(sum(80, 7, undefined, { startTime: [0, 0] })).attributes, { 'metric.delta': 30, 'metric.interval': 2, 'metric.rate': 15 });
  const gauge = c.convert({ ...sum(3, 8), name: 'process.threads', type: 'gauge', monotonic: undefined });
  t.same(Object.keys(gauge.attributes).filter((k) => k.startsWith('metric.')).sort(), ['metric.name', 'metric.type', 'metric.unit', 'metric.value']);
  const delta = c.convert(sum(12, 10, undefined, { temporality: 'delta', startTime: [T0 + 8, 0] }));
  t.match(delta.attributes, { 'metric.value': 12, 'metric.delta': 12, 'metric.interval': 2, 'metric.rate': 6 });
  t.equal(c.size, 1, 'only the cumulative series is kept');
});

t.test('histograms: the count is the value; delta, rate and the mean of the interval', async (t) => {
  const c = new PointConverter(10);
  const h = (count: number, total: number, at: number): MetricRecord => ({
    resource, scope, name: 'syscall.duration', unit: 's', type: 'histogram', temporality: 'cumulative', attributes: {},
    startTime: [T0, 0], time: [T0 + at, 0], histogram: { bounds: [1], counts: [count, 0], sum: total, count },
  });
  t.match(c.convert(h(4, 2, 2)).attributes, { 'metric.value': 4, 'metric.sum': 2, 'metric.delta': 4, 'metric.rate': 2, 'metric.mean': 0.5 });
  t.match(c.convert(h(10, 5, 4)).attributes, { 'metric.value': 10, 'metric.sum': 5, 'metric.delta': 6, 'metric.rate': 3, 'metric.mean': 0.5 });
  t.equal(c.convert(h(10, 5, 6)).attributes['metric.mean'], undefined, 'no calls in the interval: no mean');
});

t.test('max_series: the least recently seen series is evicted and counted; it starts over from its start time', async (t) => {
  const c = new PointConverter(2);
  c.convert(sum(10, 1, { k: 'a' }));
  c.convert(sum(10, 1, { k: 'b' }));
  c.convert(sum(20, 2, { k: 'a' })); // a is now the most recent
  c.convert(sum(10, 2, { k: 'c' })); // evicts b
  t.equal(c.size, 2);
  t.equal(c.stats.evictions, 1);
  t.match(c.convert(sum(30, 3, { k: 'a' })).attributes, { 'metric.delta': 10, 'metric.interval': 1 }, 'a was kept');
  t.match(c.convert(sum(25, 5, { k: 'b' })).attributes, { 'metric.delta': 25, 'metric.interval': 5 }, 'b was evicted: since its start');
});

t.test('the connector: only the listed metrics, the others counted as filtered; empty batches are not emitted', async (t) => {
  const ctx = receiverContext('metricstologs');
  const config = schemaConfig<MetricsToLogsConfig>(metricsToLogsConnectorFactory.schema, { metrics: ['syscall.calls'] });
  t.same(config, { metrics: ['syscall.calls'], max_series: 10000 });
  const connector = metricsToLogsConnectorFactory.create(config, ctx);
  const input: Batch[] = [
    { signal: 'metrics', records: [sum(1, 1), { ...sum(1, 1), name: 'syscall.errors' }] },
    { signal: 'metrics', records: [{ ...sum(2, 2), name: 'syscall.errors' }] },
    { signal: 'metrics', records: [sum(3, 3)] },
  ];
  const out = await firstValueFrom(from(input).pipe(connector.operator, toArray()));
  t.same(out.map((b) => [b.signal, (b.records as LogRecord[]).map((r) => r.attributes['metric.delta'])]), [['logs', [1]], ['logs', [2]]]);
  t.same(Object.fromEntries(ctx.telemetry.dropped), { filtered: 2 });
  await connector.shutdown?.();
  await connector.shutdown?.();
});
