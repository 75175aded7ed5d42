import t from 'tap';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricRecord, Resource, Scope } from '../../../core/signals';
import { toResourceMetrics } from '../../../exporters/otel/metrics';
import { toSdkResource, toSdkScope } from '../../../exporters/otel/resource';

const resource: Resource = { attributes: { 'host.name': 'h1', 'service.name': 'ebpf-pipeline' }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const other: Resource = { attributes: { 'host.name': 'h2' } };
const scope: Scope = { name: 'ebpf-pipeline/receiver/syscall', version: '0.1.0', attributes: { 'x.y': 1 } };

function sum(value: number, attrs: MetricRecord['attributes'], extra: Partial<MetricRecord> = {}): MetricRecord {
  return {
    resource, scope, name: 'syscall.calls', description: 'Syscalls made', unit: '{call}', type: 'sum', monotonic: true,
    temporality: 'delta', valueType: 'int', attributes: attrs, startTime: [100, 5], time: [110, 999999999], value, ...extra,
  };
}

t.test('sums, gauges and histograms are grouped by resource, scope and metric', async (t) => {
  const records: MetricRecord[] = [
    sum(3, { 'syscall.name': 'read' }),
    { ...sum(0.5, { cpu: 1 }), name: 'cpu.load', description: undefined, unit: undefined, type: 'gauge', monotonic: undefined, temporality: 'cumulative', valueType: 'double' },
    sum(7, { 'syscall.name': 'write', big: 12n, huge: 2n ** 64n, gone: null }),
    {
      ...sum(0, { op: 'read' }), name: 'io.latency', unit: 's', type: 'histogram', temporality: 'cumulative', valueType: 'double', value: undefined,
      histogram: { bounds: [0.001, 0.01], counts: [1, 2, 3], sum: 0.5, count: 6, min: 0.0005, max: 0.2 },
    },
    { ...sum(9, {}), resource: other },
  ];
  const out = toResourceMetrics(records);
  t.equal(out.length, 2);
  t.equal(out[0].resource, toSdkResource(resource), 'resource object is cached');
  t.same(out[0].resource.attributes, { 'host.name': 'h1', 'service.name': 'ebpf-pipeline' });
  t.equal(out[0].resource.schemaUrl, 'https://opentelemetry.io/schemas/1.26.0');
  t.equal(out[0].scopeMetrics.length, 1);
  t.equal(out[0].scopeMetrics[0].scope, toSdkScope(scope));
  t.strictSame(out[0].scopeMetrics[0].scope, { name: 'ebpf-pipeline/receiver/syscall', version: '0.1.0', attributes: { 'x.y': 1 } });
  const metrics = out[0].scopeMetrics[0].metrics;
  t.equal(metrics.length, 3);
  t.strictSame(metrics[0], {
    descriptor: { name: 'syscall.calls', description: 'Syscalls made', unit: '{call}', valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: [
      { startTime: [100, 5], endTime: [110, 999999999], attributes: { 'syscall.name': 'read' }, value: 3 },
      { startTime: [100, 5], endTime: [110, 999999999], attributes: { 'syscall.name': 'write', big: 12, huge: '18446744073709551616' }, value: 7 },
    ],
  });
  t.strictSame(metrics[1], {
    descriptor: { name: 'cpu.load', description: '', unit: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [{ startTime: [100, 5], endTime: [110, 999999999], attributes: { cpu: 1 }, value: 0.5 }],
  });
  t.strictSame(metrics[2], {
    descriptor: { name: 'io.latency', description: 'Syscalls made', unit: 's', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [{
      startTime: [100, 5], endTime: [110, 999999999], attributes: { op: 'read' },
      value: { buckets: { boundaries: [0.001, 0.01], counts: [1, 2, 3] }, sum: 0.5, count: 6, min: 0.0005, max: 0.2 },
    }],
  });
  t.same(out[1].resource.attributes, { 'host.name': 'h2' });
  t.equal(out[1].scopeMetrics[0].metrics[0].dataPoints.length, 1);
});

t.test('same name with another temporality is a separate metric; invalid records are reported', async (t) => {
  const skipped: string[] = [];
  const out = toResourceMetrics(
    [sum(1, {}), sum(2, {}, { temporality: 'cumulative' }), sum(3, {}, { value: undefined }), sum(0, {}, { type: 'histogram' })],
    (r, reason) => skipped.push(`${r.name}: ${reason}`),
  );
  const metrics = out[0].scopeMetrics[0].metrics;
  t.strictSame(metrics.map((m) => [m.aggregationTemporality, m.dataPoints.length]), [[AggregationTemporality.DELTA, 1], [AggregationTemporality.CUMULATIVE, 1]]);
  t.strictSame(skipped, ['syscall.calls: sum record without numeric value', 'syscall.calls: histogram record without histogram value']);
  t.strictSame(toResourceMetrics([]), []);
});
