/**
 * Engine-level keys every exporter accepts besides its own config:
 * `sending_queue` and `retry_on_failure`, as in the OpenTelemetry Collector's
 * exporterhelper. The engine reads them; durations stay strings here and are
 * parsed with `parseDuration`.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** Default: the sending queue is on. */
export const DEFAULT_QUEUE_ENABLED = true;
/** Default queue capacity, in records. */
export const DEFAULT_QUEUE_SIZE = 100_000;
/** Default number of consumers draining the queue. */
export const DEFAULT_NUM_CONSUMERS = 1;
/** Default: failed retryable exports are retried. */
export const DEFAULT_RETRY_ENABLED = true;
/** Default wait before the first retry. */
export const DEFAULT_INITIAL_INTERVAL = '1s';
/** Default cap on the wait between retries. */
export const DEFAULT_MAX_INTERVAL = '30s';
/** Default total time spent retrying one batch; `0` retries forever. */
export const DEFAULT_MAX_ELAPSED_TIME = '5m';

/** The keys of {@link EXPORTER_HELPER_SCHEMA}, taken out of an exporter's config before its own schema runs. */
export const EXPORTER_HELPER_KEYS = ['sending_queue', 'retry_on_failure'] as const;

/** JSON Schema of the engine-level exporter keys, with defaults. */
export const EXPORTER_HELPER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sending_queue: {
      type: 'object',
      description: 'The bounded queue in front of this exporter.',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', description: 'Queue batches and export them asynchronously.', default: DEFAULT_QUEUE_ENABLED },
        queue_size: { type: 'integer', minimum: 1, description: 'Queue capacity in records; records beyond it are dropped and counted.', default: DEFAULT_QUEUE_SIZE },
        num_consumers: { type: 'integer', minimum: 1, description: 'How many exports may run at once.', default: DEFAULT_NUM_CONSUMERS },
      },
    },
    retry_on_failure: {
      type: 'object',
      description: 'Retrying of exports that failed with a retryable error, with exponential backoff.',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', description: 'Retry retryable failures.', default: DEFAULT_RETRY_ENABLED },
        initial_interval: { type: ['string', 'number'], format: 'duration', minimum: 0, description: 'Wait before the first retry.', default: DEFAULT_INITIAL_INTERVAL },
        max_interval: { type: ['string', 'number'], format: 'duration', minimum: 0, description: 'Longest wait between retries.', default: DEFAULT_MAX_INTERVAL },
        max_elapsed_time: { type: ['string', 'number'], format: 'duration', minimum: 0, description: 'Give up on a batch after this long; 0 retries forever.', default: DEFAULT_MAX_ELAPSED_TIME },
      },
    },
  },
} as const;

/** The engine-level exporter keys after validation, defaults filled in. */
export type ExporterHelperConfig = FromSchema<typeof EXPORTER_HELPER_SCHEMA>;
