/** Config of the `metricstologs` connector. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default bound on the series whose previous cumulative value is kept (for deltas and rates). */
export const DEFAULT_MAX_SERIES = 10_000;

/** JSON Schema of the config. */
export const metricsToLogsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metrics: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'Only points of these metric names become log records (the others are dropped and counted, reason `filtered`); empty: every metric.',
    },
    max_series: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_SERIES,
      description: 'Most series whose last cumulative value is kept to compute `metric.delta` and `metric.rate`; the least recently seen series is evicted (counted) to make room, and its next point starts over.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `metricstologs` connector. */
export type MetricsToLogsConfig = FromSchema<typeof metricsToLogsSchema>;
