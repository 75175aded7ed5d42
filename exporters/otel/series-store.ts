/**
 * Cumulative metric state for exporters that serve or report current values
 * (`prometheus`, `otel_api`): the value of every series (metric name +
 * resource + scope + sorted attributes), bounded in number and expired when
 * not updated.
 *
 * - sum, cumulative input: the last value
 * - sum, delta input: accumulated
 * - gauge: the last value
 * - histogram, cumulative input: the last histogram
 * - histogram, delta input: accumulated bucket by bucket while the bounds
 *   stay the same; new bounds start it over
 *
 * A metric name that arrives with another type (or monotonicity) starts its
 * family over.
 */
import type { Attributes as ApiAttributes, HrTime } from '@opentelemetry/api';
import type { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource as SdkResource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricRecord, MetricType, Resource, Scope } from '../../core/signals';
import { toApiAttributes } from './attributes';
import { toSdkHistogram, toSdkValueType } from './metrics';
import { toSdkResource } from './resource';

/** Builds a new series' attributes from the point's attributes (sorted by key), its resource and scope. */
export type SeriesLabeler = (attributes: ApiAttributes, resource: Resource, scope: Scope) => ApiAttributes;

/** Options of a {@link SeriesStore}. */
export interface SeriesStoreOptions {
  /** Most series held at once. */
  maxSeries: number;
  /** A series not updated for this many milliseconds is removed. */
  expirationMs: number;
  /** The attributes a new series is reported with. Default: the point's attributes, sorted by key. */
  labels?: SeriesLabeler;
}

/** What became of one record. */
export type ApplyOutcome = 'applied' | 'max_series' | 'invalid';

/** One series' current state. */
export interface Series {
  /** The attributes it is reported with. */
  labels: ApiAttributes;
  resourceKey: string;
  resource: Resource;
  scope: Scope;
  startTime: HrTime;
  time: HrTime;
  /** Sums and gauges. */
  value: number;
  /** Histograms. */
  histogram?: Histogram;
  /** Wall-clock ms of the last update. */
  updatedAt: number;
}

/** All series of one metric name. */
export interface Family {
  name: string;
  description: string;
  unit: string;
  type: MetricType;
  monotonic: boolean;
  valueType: ValueType;
  series: Map<string, Series>;
}

function sortedAttributes(attributes: ApiAttributes): ApiAttributes {
  const out: ApiAttributes = {};
  for (const k of Object.keys(attributes).sort()) out[k] = attributes[k];
  return out;
}

const resourceKeys = new WeakMap<Resource, string>();

function canonical(attrs: ApiAttributes): string {
  return JSON.stringify(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));
}

function resourceKey(resource: Resource): string {
  let key = resourceKeys.get(resource);
  if (key === undefined) {
    key = canonical(toApiAttributes(resource.attributes));
    resourceKeys.set(resource, key);
  }
  return key;
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function addHistograms(into: Histogram, add: Histogram): Histogram {
  const out: Histogram = {
    buckets: { boundaries: into.buckets.boundaries, counts: into.buckets.counts.map((c, i) => c + (add.buckets.counts[i] ?? 0)) },
    sum: (into.sum ?? 0) + (add.sum ?? 0),
    count: into.count + add.count,
  };
  if (into.min !== undefined && add.min !== undefined) out.min = Math.min(into.min, add.min);
  if (into.max !== undefined && add.max !== undefined) out.max = Math.max(into.max, add.max);
  return out;
}

/** The cumulative state behind the metrics page. */
export class SeriesStore {
  private readonly families = new Map<string, Family>();
  private count = 0;

  constructor(private readonly options: SeriesStoreOptions) {}

  /** Number of series held. */
  get size(): number {
    return this.count;
  }

  /** Applies one record at wall-clock time `now` (ms). */
  apply(r: MetricRecord, now: number): ApplyOutcome {
    const histogram = r.type === 'histogram' ? toSdkHistogram(r) : undefined;
    if (r.type === 'histogram' ? !histogram : typeof r.value !== 'number') return 'invalid';
    const family = this.family(r);
    const attributes = toApiAttributes(r.attributes);
    const rKey = resourceKey(r.resource);
    const key = `${rKey}\u0000${r.scope.name}\u0000${r.scope.version ?? ''}\u0000${canonical(attributes)}`;
    const series = family.series.get(key);
    if (!series) {
      if (this.count >= this.options.maxSeries) return 'max_series';
      family.series.set(key, {
        labels: (this.options.labels ?? sortedAttributes)(sortedAttributes(attributes), r.resource, r.scope),
        resourceKey: rKey,
        resource: r.resource,
        scope: r.scope,
        startTime: r.startTime,
        time: r.time,
        value: r.value ?? 0,
        ...(histogram ? { histogram } : {}),
        updatedAt: now,
      });
      this.count++;
      return 'applied';
    }
    const delta = r.type !== 'gauge' && r.temporality === 'delta';
    series.time = r.time;
    series.updatedAt = now;
    if (!delta) series.startTime = r.startTime;
    if (histogram) {
      const prev = series.histogram;
      series.histogram = delta && prev && sameBounds(prev.buckets.boundaries, histogram.buckets.boundaries) ? addHistograms(prev, histogram) : histogram;
      if (delta && prev && series.histogram === histogram) series.startTime = r.startTime;
    } else {
      series.value = delta ? series.value + (r.value ?? 0) : (r.value ?? 0);
    }
    return 'applied';
  }

  /** Removes series not updated since `now - expirationMs`; returns how many. */
  expire(now: number): number {
    const limit = now - this.options.expirationMs;
    let removed = 0;
    for (const [name, family] of this.families) {
      for (const [key, series] of family.series) {
        if (series.updatedAt < limit) {
          family.series.delete(key);
          removed++;
        }
      }
      if (family.series.size === 0) this.families.delete(name);
    }
    this.count -= removed;
    return removed;
  }

  /** The family of a metric name, if it has series. */
  getFamily(name: string): Family | undefined {
    return this.families.get(name);
  }

  /**
   * The state as one `ResourceMetrics` of one scope, families sorted by name,
   * all cumulative. Its resource holds the attributes every live series'
   * resource agrees on, or is `fallback` when there is no series.
   */
  collect(fallback: Resource): ResourceMetrics {
    const names = [...this.families.keys()].sort();
    const metrics = names.map((n) => this.metricData(this.families.get(n) as Family));
    return { resource: this.commonResource(fallback), scopeMetrics: [{ scope: { name: 'ebpf-pipeline/series-store' }, metrics }] };
  }

  private family(r: MetricRecord): Family {
    const monotonic = r.type === 'sum' && r.monotonic === true;
    let family = this.families.get(r.name);
    if (family && (family.type !== r.type || family.monotonic !== monotonic)) {
      this.count -= family.series.size;
      this.families.delete(r.name);
      family = undefined;
    }
    if (!family) {
      family = {
        name: r.name, description: r.description ?? '', unit: r.unit ?? '', type: r.type, monotonic,
        valueType: toSdkValueType(r), series: new Map(),
      };
      this.families.set(r.name, family);
    }
    return family;
  }

  private metricData(f: Family): MetricData {
    const descriptor = { name: f.name, description: f.description, unit: f.unit, valueType: f.valueType };
    const base = { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE };
    const series = [...f.series.values()];
    const point = <T>(s: Series, value: T): DataPoint<T> => ({ startTime: s.startTime, endTime: s.time, attributes: s.labels, value });
    switch (f.type) {
      case 'sum':
        return { ...base, dataPointType: DataPointType.SUM, isMonotonic: f.monotonic, dataPoints: series.map((s) => point(s, s.value)) };
      case 'gauge':
        return { ...base, dataPointType: DataPointType.GAUGE, dataPoints: series.map((s) => point(s, s.value)) };
      case 'histogram':
        return { ...base, dataPointType: DataPointType.HISTOGRAM, dataPoints: series.map((s) => point(s, s.histogram as Histogram)) };
    }
  }

  private commonResource(fallback: Resource): SdkResource {
    const distinct = new Map<string, Resource>();
    for (const f of this.families.values()) for (const s of f.series.values()) distinct.set(s.resourceKey, s.resource);
    const resources = [...distinct.values()];
    if (resources.length === 0) return toSdkResource(fallback);
    if (resources.length === 1) return toSdkResource(resources[0]);
    const first = toSdkResource(resources[0]).attributes;
    const common: ApiAttributes = {};
    for (const [k, v] of Object.entries(first)) {
      const json = JSON.stringify(v);
      if (resources.every((r) => JSON.stringify(toSdkResource(r).attributes[k]) === json)) common[k] = v;
    }
    return resourceFromAttributes(common);
  }
}
