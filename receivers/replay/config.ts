/** Config of the `replay` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** How fast lines are replayed. */
export const PACES = ['fast', 'recorded'] as const;

/** One of {@link PACES}. */
export type Pace = (typeof PACES)[number];

/** Default pace: as fast as the pipeline takes it. */
export const DEFAULT_PACE: Pace = 'fast';
/** Default speed multiplier for `pace: recorded`. */
export const DEFAULT_SPEED = 1;
/** Default cap on one wait between two lines for `pace: recorded`. */
export const DEFAULT_MAX_GAP = '5s';
/** Default: replay the file once. */
export const DEFAULT_LOOP = false;
/** Default wait after start before the first line is emitted. */
export const DEFAULT_START_DELAY = '0s';
/** Default largest batch emitted; longer lines are split. */
export const DEFAULT_MAX_BATCH_SIZE = 8192;

/** JSON Schema of the config. */
export const replayReceiverSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'OTLP/JSON lines file to replay (as written by the file exporter or the OpenTelemetry Collector file exporter); a relative path is resolved against the directory of the config file.',
    },
    pace: {
      type: 'string',
      enum: PACES,
      default: DEFAULT_PACE,
      description: '`fast` emits lines as fast as the pipeline takes them; `recorded` waits between lines as long as the first timestamps of consecutive lines are apart (divided by speed, capped by max_gap).',
    },
    speed: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_SPEED,
      description: 'Speed multiplier for `pace: recorded`: 2 replays twice as fast as recorded.',
    },
    max_gap: {
      type: ['string', 'number'],
      format: 'duration',
      minimum: 0,
      default: DEFAULT_MAX_GAP,
      description: 'Longest wait between two lines for `pace: recorded` (after applying speed).',
    },
    loop: {
      type: 'boolean',
      default: DEFAULT_LOOP,
      description: 'Start over at the end of the file, until shutdown.',
    },
    start_delay: {
      type: ['string', 'number'],
      format: 'duration',
      minimum: 0,
      default: DEFAULT_START_DELAY,
      description: 'Wait this long after start before emitting the first line (lets the exporters come up first).',
    },
    max_batch_size: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_BATCH_SIZE,
      description: 'Largest number of records per emitted batch; a line with more records is split.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `replay` receiver. */
export type ReplayReceiverConfig = FromSchema<typeof replayReceiverSchema>;
