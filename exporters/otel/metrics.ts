/**
 * Metric records to `@opentelemetry/sdk-metrics` `ResourceMetrics`.
 *
 * Points are grouped by resource object, then scope object, then metric
 * (name, type, unit, temporality, monotonicity, value type): one
 * `MetricData` per group, one `DataPoint` per record, in input order.
 */
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricRecord, Resource, Scope } from '../../core/signals';
import { toApiAttributes } from './attributes';
import { toSdkResource, toSdkScope } from './resource';

/** Called for a record that cannot be converted (a sum or gauge without `value`, a histogram without `histogram`). */
export type SkippedMetricHandler = (record: MetricRecord, reason: string) => void;

interface MetricGroup {
  first: MetricRecord;
  points: DataPoint<number>[] | DataPoint<Histogram>[];
}

/** The SDK temporality for a record's temporality (gauges are always cumulative). */
export function toSdkTemporality(record: MetricRecord): AggregationTemporality {
  return record.type !== 'gauge' && record.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}

/** `int` means OTLP `asInt`; anything else (including unset) `asDouble`. */
export function toSdkValueType(record: MetricRecord): ValueType {
  return record.valueType === 'int' ? ValueType.INT : ValueType.DOUBLE;
}

function metricKey(r: MetricRecord): string {
  return `${r.name}\u0000${r.type}\u0000${r.unit ?? ''}\u0000${r.temporality}\u0000${r.monotonic === true}\u0000${r.valueType ?? ''}`;
}

/** The SDK histogram value of a histogram record. */
export function toSdkHistogram(record: MetricRecord): Histogram | undefined {
  const h = record.histogram;
  if (!h) return undefined;
  const value: Histogram = { buckets: { boundaries: h.bounds.slice(), counts: h.counts.slice() }, sum: h.sum, count: h.count };
  if (h.min !== undefined) value.min = h.min;
  if (h.max !== undefined) value.max = h.max;
  return value;
}

function toMetricData(group: MetricGroup): MetricData {
  const r = group.first;
  const descriptor = { name: r.name, description: r.description ?? '', unit: r.unit ?? '', valueType: toSdkValueType(r) };
  const aggregationTemporality = toSdkTemporality(r);
  switch (r.type) {
    case 'sum':
      return {
        descriptor,
        aggregationTemporality,
        dataPointType: DataPointType.SUM,
        isMonotonic: r.monotonic === true,
        dataPoints: group.points as DataPoint<number>[],
      };
    case 'gauge':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints: group.points as DataPoint<number>[] };
    case 'histogram':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: group.points as DataPoint<Histogram>[] };
  }
}

/**
 * Converts metric records to one `ResourceMetrics` per distinct resource
 * object, in order of first appearance. Records that cannot be converted are
 * left out and reported to `onSkip`.
 */
export function toResourceMetrics(records: readonly MetricRecord[], onSkip?: SkippedMetricHandler): ResourceMetrics[] {
  const byResource = new Map<Resource, Map<Scope, Map<string, MetricGroup>>>();
  for (const r of records) {
    let point: DataPoint<number> | DataPoint<Histogram>;
    const base = { startTime: r.startTime, endTime: r.time, attributes: toApiAttributes(r.attributes) };
    if (r.type === 'histogram') {
      const value = toSdkHistogram(r);
      if (!value) {
        onSkip?.(r, 'histogram record without histogram value');
        continue;
      }
      point = { ...base, value };
    } else {
      if (typeof r.value !== 'number') {
        onSkip?.(r, `${r.type} record without numeric value`);
        continue;
      }
      point = { ...base, value: r.value };
    }
    let byScope = byResource.get(r.resource);
    if (!byScope) byResource.set(r.resource, (byScope = new Map()));
    let byMetric = byScope.get(r.scope);
    if (!byMetric) byScope.set(r.scope, (byMetric = new Map()));
    const key = metricKey(r);
    const group = byMetric.get(key);
    if (group) (group.points as DataPoint<unknown>[]).push(point);
    else byMetric.set(key, { first: r, points: [point] as DataPoint<number>[] | DataPoint<Histogram>[] });
  }
  const out: ResourceMetrics[] = [];
  for (const [resource, byScope] of byResource) {
    const scopeMetrics: ScopeMetrics[] = [];
    for (const [scope, byMetric] of byScope) {
      scopeMetrics.push({ scope: toSdkScope(scope), metrics: [...byMetric.values()].map(toMetricData) });
    }
    out.push({ resource: toSdkResource(resource), scopeMetrics });
  }
  return out;
}
