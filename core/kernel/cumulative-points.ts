/**
 * Cumulative metric points of kernel aggregates, bounded by `max_series`:
 * points whose attributes the limiter folds into the overflow series are
 * added up into one point, as they would be in one kernel series.
 */
import type { Attributes, HistogramValue, HrTime, MetricRecord, Resource, Scope } from '../signals';
import type { SeriesLimiter } from '../cardinality';
import { addHistogram } from './log2-histogram';

/** A point without what every point of one reading shares (resource, scope, times) and its name and attributes. */
export type PointBody = Omit<MetricRecord, 'resource' | 'scope' | 'name' | 'attributes' | 'startTime' | 'time'>;

/** What every point of one reading shares. */
export interface ReadingContext {
  resource: Resource;
  scope: Scope;
  /** Start of the cumulative series (the load of the programs). */
  startTime: HrTime;
  /** Time of this reading. */
  time: HrTime;
  /** Bounds the number of series per metric (`max_series`). */
  limiter: SeriesLimiter;
}

/** A monotonic cumulative integer counter. */
export function counterPoint(description: string, unit: string, value: number): PointBody {
  return { description, unit, type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int', value };
}

/** A cumulative histogram of doubles. */
export function histogramPoint(description: string, unit: string, histogram: HistogramValue): PointBody {
  return { description, unit, type: 'histogram', temporality: 'cumulative', valueType: 'double', histogram };
}

/**
 * Collects one reading's points: each admitted through the limiter, and a
 * point with the name and attributes of one already there (the overflow
 * series) added into it. Points keep the order they were first added in.
 */
export class CumulativePoints {
  private readonly points = new Map<string, MetricRecord>();

  constructor(private readonly ctx: ReadingContext) {}

  /** Adds a point of metric `name` with `attributes` (before the limiter). */
  add(name: string, attributes: Attributes, point: PointBody): void {
    const { resource, scope, startTime, time, limiter } = this.ctx;
    const admitted = limiter.admit(name, attributes);
    const id = `${name}\u0000${JSON.stringify(admitted)}`;
    const prev = this.points.get(id);
    if (!prev) {
      this.points.set(id, { resource, scope, name, attributes: admitted, startTime, time, ...point });
    } else if (prev.histogram && point.histogram) {
      addHistogram(prev.histogram, point.histogram);
    } else {
      prev.value = (prev.value ?? 0) + (point.value ?? 0);
    }
  }

  /** The points collected, in the order they were first added. */
  records(): MetricRecord[] {
    return [...this.points.values()];
  }
}
