/** Config of the `otel_api` exporter. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default bound on the number of metric series held for the host's observable instruments. */
export const DEFAULT_MAX_SERIES = 10_000;

/** Default time after which a series that got no update is no longer observed. */
export const DEFAULT_METRIC_EXPIRATION = '5m';

/** Default treatment of histograms. */
export const DEFAULT_HISTOGRAMS = 'count_sum';

/** JSON Schema of the config. */
export const otelApiSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    max_series: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_SERIES,
      description: 'Most metric series held at once; points of new series beyond it are dropped (counted as max_series).',
    },
    metric_expiration: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_METRIC_EXPIRATION,
      description: 'A metric series not updated for this long is no longer reported to the host meter provider.',
    },
    histograms: {
      type: 'string',
      enum: ['count_sum', 'drop'],
      default: DEFAULT_HISTOGRAMS,
      description:
        'count_sum: report a histogram as two observable counters <name>.count and <name>.sum (the API cannot take buckets); ' +
        'drop: leave histograms out (counted as histogram_unsupported).',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `otel_api` exporter. */
export type OtelApiConfig = FromSchema<typeof otelApiSchema>;
