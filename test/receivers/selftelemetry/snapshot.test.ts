import t from 'tap';
import { snapshotMetrics, SELF_METRICS } from '../../../receivers/selftelemetry/snapshot';
import { TelemetryRegistry } from '../../../core/telemetry';

t.test('every counter becomes a point with the component attributes', async (t) => {
  const registry = new TelemetryRegistry();
  const exporter = registry.forComponent('otlp/backend', 'exporter');
  exporter.received = 10;
  exporter.sent = 6;
  exporter.drop('queue_full', 3);
  exporter.queueCapacity = 100;
  exporter.queueSize = () => 1;
  const filter = registry.forComponent('filter', 'processor', 'logs');
  filter.received = 5;
  filter.sent = 4;
  filter.drop('filtered', 1);
  t.equal(registry.forComponent('otlp/backend', 'exporter'), exporter, 'counters are reused by id');

  const resource = { attributes: {} };
  const points = snapshotMetrics(registry.all(), resource, { name: 's' }, [1, 0], [2, 0]);
  const rows = points.map((p) => [p.name, p.type, p.attributes, p.value]);
  const ex = { 'component.id': 'otlp/backend', 'component.kind': 'exporter' };
  const pr = { 'component.id': 'filter', 'component.kind': 'processor', 'pipeline.id': 'logs' };
  t.same(rows, [
    [SELF_METRICS.received, 'sum', ex, 10],
    [SELF_METRICS.sent, 'sum', ex, 6],
    [SELF_METRICS.refused, 'sum', ex, 0],
    [SELF_METRICS.dropped, 'sum', { ...ex, reason: 'queue_full' }, 3],
    [SELF_METRICS.queueSize, 'gauge', ex, 1],
    [SELF_METRICS.queueCapacity, 'gauge', ex, 100],
    [SELF_METRICS.received, 'sum', pr, 5],
    [SELF_METRICS.sent, 'sum', pr, 4],
    [SELF_METRICS.refused, 'sum', pr, 0],
    [SELF_METRICS.dropped, 'sum', { ...pr, reason: 'filtered' }, 1],
  ]);
  t.ok(points.every((p) => p.temporality === 'cumulative' && p.unit === '{record}' && p.resource === resource));
});
