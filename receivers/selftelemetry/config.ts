/** Config of the `selftelemetry` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default interval between two snapshots of the engine's counters. */
export const DEFAULT_COLLECTION_INTERVAL = '10s';

/** JSON Schema of the config. */
export const selftelemetrySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection_interval: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_COLLECTION_INTERVAL,
      description: 'How often the engine counters are emitted as metric points.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `selftelemetry` receiver. */
export type SelftelemetryConfig = FromSchema<typeof selftelemetrySchema>;
