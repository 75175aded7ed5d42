/** Config of the `debug` exporter. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** How much the debug exporter prints. */
export const VERBOSITIES = ['basic', 'normal', 'detailed'] as const;

/** One of {@link VERBOSITIES}. */
export type Verbosity = (typeof VERBOSITIES)[number];

/** Default verbosity: one summary line per batch. */
export const DEFAULT_VERBOSITY: Verbosity = 'basic';

/** JSON Schema of the config. */
export const debugExporterSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    verbosity: {
      type: 'string',
      enum: VERBOSITIES,
      default: DEFAULT_VERBOSITY,
      description:
        '`basic`: one line per batch (`metrics: 12 points`); `normal`: one line per record (name, attributes, value); `detailed`: every field, resource and scope included, as the OpenTelemetry Collector debug exporter prints them.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `debug` exporter. */
export type DebugExporterConfig = FromSchema<typeof debugExporterSchema>;
