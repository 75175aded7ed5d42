/** Config of the `prometheus` exporter. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default listen address (loopback only: expose it deliberately). */
export const DEFAULT_ENDPOINT = '127.0.0.1:9464';

/** Default HTTP path of the metrics page. */
export const DEFAULT_PATH = '/metrics';

/** Default time after which a series that got no update disappears. */
export const DEFAULT_METRIC_EXPIRATION = '5m';

/** Default bound on the number of series held. */
export const DEFAULT_MAX_SERIES = 10_000;

/** Default of `resource_to_telemetry_conversion.enabled`. */
export const DEFAULT_RESOURCE_TO_TELEMETRY = false;

/** JSON Schema of the config. */
export const prometheusSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: {
      type: 'string',
      format: 'hostport',
      default: DEFAULT_ENDPOINT,
      description: 'host:port the /metrics server listens on (port 0: any free port; empty host: every interface).',
    },
    path: {
      type: 'string',
      pattern: '^/',
      default: DEFAULT_PATH,
      description: 'HTTP path of the metrics page.',
    },
    resource_to_telemetry_conversion: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Copies resource attributes onto every series as labels.',
      properties: {
        enabled: {
          type: 'boolean',
          default: DEFAULT_RESOURCE_TO_TELEMETRY,
          description: 'true: every resource attribute becomes a label of each series of that resource.',
        },
      },
    },
    metric_expiration: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_METRIC_EXPIRATION,
      description: 'A series not updated for this long is removed from the page.',
    },
    max_series: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_SERIES,
      description: 'Most series held at once; points of new series beyond it are dropped (counted as max_series).',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `prometheus` exporter. */
export type PrometheusConfig = FromSchema<typeof prometheusSchema>;
