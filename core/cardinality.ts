/**
 * A per-receiver bound on metric series (`max_series`): past it, points of
 * new attribute sets fold into one series per metric with the single
 * attribute `overflow=true`, and the folded points are counted. Nothing
 * grows without bound.
 */
import type { Attributes } from './signals';
import type { ComponentTelemetry } from './telemetry';
import { attributesKey } from './attributes-key';

/** Default `max_series` of the eBPF receivers. */
export const DEFAULT_MAX_SERIES = 10_000;

/** The attributes every folded point gets. */
export const OVERFLOW_ATTRIBUTES: Readonly<Attributes> = Object.freeze({ overflow: true });

/** JSON Schema of the `max_series` setting, for receivers' configs. */
export const MAX_SERIES_SCHEMA = {
  type: 'integer',
  minimum: 1,
  default: DEFAULT_MAX_SERIES,
  description: 'Most distinct attribute sets per metric; points of new ones past it are folded into one series with overflow=true.',
} as const;

/** Remembers the series seen per metric name and folds the ones past the bound. */
export class SeriesLimiter {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly maxSeries: number, private readonly telemetry: ComponentTelemetry) {}

  /** The attributes to use for a point of `metric`: its own, or {@link OVERFLOW_ATTRIBUTES} past the bound. */
  admit(metric: string, attributes: Attributes): Attributes {
    let series = this.seen.get(metric);
    if (!series) {
      series = new Set();
      this.seen.set(metric, series);
    }
    const key = attributesKey(attributes);
    if (series.has(key)) return attributes;
    if (series.size < this.maxSeries) {
      series.add(key);
      return attributes;
    }
    this.telemetry.folded++;
    return OVERFLOW_ATTRIBUTES;
  }
}
