/** Config of the `batch` processor. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default number of buffered records that triggers a send. */
export const DEFAULT_SEND_BATCH_SIZE = 8192;
/** Default time after the first buffered record at which whatever is buffered is sent. */
export const DEFAULT_TIMEOUT = '200ms';
/** Default upper bound of a sent batch: 0 means no limit. */
export const DEFAULT_SEND_BATCH_MAX_SIZE = 0;

/** JSON Schema of the config. */
export const batchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    send_batch_size: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_SEND_BATCH_SIZE,
      description: 'Number of buffered records that triggers a send, regardless of the timeout. 0 disables the size trigger (only the timeout and send_batch_max_size send).',
    },
    timeout: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_TIMEOUT,
      description: 'Time after the first buffered record at which whatever is buffered is sent. 0 sends every input batch at once (split by send_batch_max_size).',
    },
    send_batch_max_size: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_SEND_BATCH_MAX_SIZE,
      description: 'Largest batch sent: bigger ones are split into chunks of at most this many records. 0 means no limit; otherwise it must be >= send_batch_size.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `batch` processor. */
export type BatchConfig = FromSchema<typeof batchSchema>;
