/** Metric points to and from an OTLP/JSON `ExportMetricsServiceRequest`. */
import type { HistogramValue, MetricRecord, Resource, Scope } from '../signals';
import type { OtlpHistogramDataPoint, OtlpMetric, OtlpMetricsRequest, OtlpNumberDataPoint } from './types';
import { decodeAttributes, encodeAttributes } from './any-value';
import { decodeResource, decodeScope, encodeResource, encodeScope, groupByResourceAndScope } from './resource-scope';
import { asArray, asBigInt, asDouble, asEnum, asInteger, asObject, asString, encodeDouble, encodeInt } from './shape';
import { hrTimeToNanos, isZeroTime, nanosToHrTime } from './time';
import type { DecodeOptions } from './options';

/** OTLP `AggregationTemporality` values. */
const TEMPORALITY_NAMES = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];
const DELTA = 1;
const CUMULATIVE = 2;

/** Metric kinds of OTLP this codec does not carry; their points are skipped and reported. */
const UNSUPPORTED_KINDS = ['exponentialHistogram', 'summary'] as const;

function metricKey(r: MetricRecord): string {
  return `${r.name}\u0000${r.type}\u0000${r.unit ?? ''}\u0000${r.temporality}\u0000${r.monotonic === true}`;
}

function newMetric(r: MetricRecord): OtlpMetric {
  const m: OtlpMetric = { name: r.name };
  if (r.description) m.description = r.description;
  if (r.unit) m.unit = r.unit;
  const temporality = r.temporality === 'delta' ? DELTA : CUMULATIVE;
  if (r.type === 'sum') {
    m.sum = { dataPoints: [], aggregationTemporality: temporality };
    if (r.monotonic) m.sum.isMonotonic = true;
  } else if (r.type === 'gauge') {
    m.gauge = { dataPoints: [] };
  } else {
    m.histogram = { dataPoints: [], aggregationTemporality: temporality };
  }
  return m;
}

function pointTimes(r: MetricRecord, out: { startTimeUnixNano?: string; timeUnixNano?: string }): void {
  if (!isZeroTime(r.startTime)) out.startTimeUnixNano = hrTimeToNanos(r.startTime);
  if (!isZeroTime(r.time)) out.timeUnixNano = hrTimeToNanos(r.time);
}

function encodeNumberPoint(r: MetricRecord): OtlpNumberDataPoint {
  const p: OtlpNumberDataPoint = {};
  const attributes = encodeAttributes(r.attributes);
  if (attributes.length > 0) p.attributes = attributes;
  pointTimes(r, p);
  const value = r.value ?? 0;
  if (r.valueType === 'int') p.asInt = encodeInt(value);
  else p.asDouble = encodeDouble(value);
  return p;
}

function encodeHistogramPoint(r: MetricRecord): OtlpHistogramDataPoint {
  const h: HistogramValue = r.histogram ?? { bounds: [], counts: [], sum: 0, count: 0 };
  const p = {} as OtlpHistogramDataPoint; // filled in field order: attributes and times first
  const attributes = encodeAttributes(r.attributes);
  if (attributes.length > 0) p.attributes = attributes;
  pointTimes(r, p);
  p.count = encodeInt(h.count);
  p.sum = encodeDouble(h.sum);
  p.bucketCounts = h.counts.map(encodeInt);
  p.explicitBounds = h.bounds.map(encodeDouble);
  if (h.min !== undefined) p.min = encodeDouble(h.min);
  if (h.max !== undefined) p.max = encodeDouble(h.max);
  return p;
}

/** Metric points as a request, grouped by resource, scope and metric (name, type, unit, temporality, monotonicity). */
export function encodeMetricsRequest(records: readonly MetricRecord[]): OtlpMetricsRequest {
  const request: OtlpMetricsRequest = { resourceMetrics: [] };
  for (const [resource, scopes] of groupByResourceAndScope(records)) {
    const entry: OtlpMetricsRequest['resourceMetrics'][number] = { resource: encodeResource(resource), scopeMetrics: [] };
    if (resource.schemaUrl) entry.schemaUrl = resource.schemaUrl;
    for (const [scope, points] of scopes) {
      const metrics = new Map<string, OtlpMetric>();
      for (const r of points) {
        const key = metricKey(r);
        let m = metrics.get(key);
        if (!m) metrics.set(key, (m = newMetric(r)));
        if (m.sum) m.sum.dataPoints.push(encodeNumberPoint(r));
        else if (m.gauge) m.gauge.dataPoints.push(encodeNumberPoint(r));
        else m.histogram!.dataPoints.push(encodeHistogramPoint(r));
      }
      entry.scopeMetrics.push({ scope: encodeScope(scope), metrics: [...metrics.values()] });
    }
    request.resourceMetrics.push(entry);
  }
  return request;
}

interface Descriptor {
  resource: Resource;
  scope: Scope;
  name: string;
  description?: string;
  unit?: string;
}

function decodeBase(d: Descriptor, p: Record<string, unknown>, path: string): MetricRecord {
  const r = { resource: d.resource, scope: d.scope, name: d.name } as MetricRecord;
  if (d.description) r.description = d.description;
  if (d.unit) r.unit = d.unit;
  r.attributes = decodeAttributes(p.attributes, `${path}.attributes`);
  r.startTime = nanosToHrTime(p.startTimeUnixNano ?? '0');
  r.time = nanosToHrTime(p.timeUnixNano ?? '0');
  return r;
}

function decodeNumberPoint(r: MetricRecord, p: Record<string, unknown>, path: string): void {
  if (p.asInt !== undefined) {
    r.valueType = 'int';
    r.value = Number(asBigInt(p.asInt, `${path}.asInt`));
  } else {
    r.valueType = 'double';
    r.value = asDouble(p.asDouble, `${path}.asDouble`);
  }
}

function decodeHistogramPoint(p: Record<string, unknown>, path: string): HistogramValue {
  const h: HistogramValue = {
    bounds: asArray(p.explicitBounds, `${path}.explicitBounds`).map((b, i) => asDouble(b, `${path}.explicitBounds[${i}]`)),
    counts: asArray(p.bucketCounts, `${path}.bucketCounts`).map((c, i) => asInteger(c, `${path}.bucketCounts[${i}]`)),
    sum: asDouble(p.sum, `${path}.sum`),
    count: asInteger(p.count, `${path}.count`),
  };
  if (p.min !== undefined) h.min = asDouble(p.min, `${path}.min`);
  if (p.max !== undefined) h.max = asDouble(p.max, `${path}.max`);
  return h;
}

function decodeMetric(d: Descriptor, m: Record<string, unknown>, path: string, out: MetricRecord[], options: DecodeOptions): void {
  for (const kind of ['sum', 'gauge', 'histogram'] as const) {
    if (m[kind] === undefined) continue;
    const data = asObject(m[kind], `${path}.${kind}`);
    const temporality =
      kind === 'gauge' ? CUMULATIVE : asEnum(data.aggregationTemporality, TEMPORALITY_NAMES, `${path}.${kind}.aggregationTemporality`);
    asArray(data.dataPoints, `${path}.${kind}.dataPoints`).forEach((item, i) => {
      const pointPath = `${path}.${kind}.dataPoints[${i}]`;
      const p = asObject(item, pointPath);
      const r = decodeBase(d, p, pointPath);
      r.type = kind;
      r.temporality = temporality === DELTA ? 'delta' : 'cumulative';
      if (kind === 'sum') r.monotonic = data.isMonotonic === true;
      if (kind === 'histogram') r.histogram = decodeHistogramPoint(p, pointPath);
      else decodeNumberPoint(r, p, pointPath);
      out.push(r);
    });
    return;
  }
  for (const kind of UNSUPPORTED_KINDS) {
    if (m[kind] === undefined) continue;
    const points = asArray(asObject(m[kind], `${path}.${kind}`).dataPoints, `${path}.${kind}.dataPoints`).length;
    options.onUnsupported?.({ metric: d.name, kind, points });
    return;
  }
  options.onUnsupported?.({ metric: d.name, kind: 'none', points: 0 });
}

/** Reads the `resourceMetrics` array of a request into metric points (one Resource/Scope object per entry). */
export function decodeResourceMetrics(json: unknown, options: DecodeOptions = {}): MetricRecord[] {
  const out: MetricRecord[] = [];
  asArray(json, 'resourceMetrics').forEach((rmItem, i) => {
    const rmPath = `resourceMetrics[${i}]`;
    const rm = asObject(rmItem, rmPath);
    const resource = decodeResource(rm, rmPath);
    asArray(rm.scopeMetrics, `${rmPath}.scopeMetrics`).forEach((smItem, j) => {
      const smPath = `${rmPath}.scopeMetrics[${j}]`;
      const sm = asObject(smItem, smPath);
      const scope = decodeScope(sm, smPath);
      asArray(sm.metrics, `${smPath}.metrics`).forEach((mItem, k) => {
        const mPath = `${smPath}.metrics[${k}]`;
        const m = asObject(mItem, mPath);
        const d: Descriptor = { resource, scope, name: asString(m.name, `${mPath}.name`) };
        const description = asString(m.description, `${mPath}.description`);
        if (description) d.description = description;
        const unit = asString(m.unit, `${mPath}.unit`);
        if (unit) d.unit = unit;
        decodeMetric(d, m, mPath, out, options);
      });
    });
  });
  return out;
}
