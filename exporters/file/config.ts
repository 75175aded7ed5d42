/** Config of the `file` exporter. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default size at which the file is rotated, in mebibytes (1 MiB = 1048576 bytes). */
export const DEFAULT_MAX_MEGABYTES = 100;
/** Default number of rotated files kept (`path.1` ... `path.3`). */
export const DEFAULT_MAX_BACKUPS = 3;
/** The only line format so far: one OTLP/JSON export request per line. */
export const DEFAULT_FORMAT = 'json';

/** JSON Schema of the config. */
export const fileExporterSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'File to append to; a relative path is resolved against the directory of the config file. Missing directories are created.',
    },
    format: {
      type: 'string',
      enum: ['json'],
      default: DEFAULT_FORMAT,
      description: 'Line format: `json` writes one OTLP/JSON export request per line (per batch), as the OpenTelemetry Collector file exporter does.',
    },
    rotation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Size-based rotation: when a write would make the file larger than max_megabytes, it is renamed to path.1 (older backups shift to .2, .3 ...) and a new file is started.',
      properties: {
        max_megabytes: {
          type: 'number',
          exclusiveMinimum: 0,
          default: DEFAULT_MAX_MEGABYTES,
          description: 'Largest size of the file, in mebibytes (fractions allowed). A single line larger than this is still written, alone in its file.',
        },
        max_backups: {
          type: 'integer',
          minimum: 0,
          default: DEFAULT_MAX_BACKUPS,
          description: 'How many rotated files to keep (path.1 is the newest); the oldest is deleted. 0 keeps none.',
        },
      },
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `file` exporter. */
export type FileExporterConfig = FromSchema<typeof fileExporterSchema>;
