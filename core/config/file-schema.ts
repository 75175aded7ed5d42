/** JSON Schema of the config file's own structure: top-level keys and `service`. */
import { LOG_LEVELS } from '../logger';

const COMPONENT_SECTION = {
  type: ['object', 'null'],
};

const COMPONENT_LIST = {
  type: 'array',
  items: { type: 'string' },
};

/** One entry of `service.pipelines`. */
export const PIPELINE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['receivers', 'exporters'],
  properties: {
    receivers: { ...COMPONENT_LIST, minItems: 1, description: 'Receiver (or connector) ids feeding this pipeline.' },
    processors: { ...COMPONENT_LIST, description: 'Processor ids, applied in this order.' },
    exporters: { ...COMPONENT_LIST, minItems: 1, description: 'Exporter (or connector) ids this pipeline sends to.' },
  },
} as const;

/** The whole file's structure. Component configs are checked against their factories' schemas separately. */
export const CONFIG_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    receivers: { ...COMPONENT_SECTION, description: 'Receivers by id (`type` or `type/name`).' },
    processors: { ...COMPONENT_SECTION, description: 'Processors by id (`type` or `type/name`).' },
    exporters: { ...COMPONENT_SECTION, description: 'Exporters by id (`type` or `type/name`).' },
    connectors: { ...COMPONENT_SECTION, description: 'Connectors by id (`type` or `type/name`): each is an exporter of one pipeline and a receiver of another.' },
    plugins: {
      type: ['array', 'null'],
      items: { type: 'string' },
      description: 'Plugin modules exporting component factories, relative to this file.',
    },
    service: {
      type: 'object',
      additionalProperties: false,
      required: ['pipelines'],
      description: 'The pipelines to run and the agent\'s own telemetry.',
      properties: {
        pipelines: {
          type: 'object',
          minProperties: 1,
          additionalProperties: PIPELINE_SCHEMA,
          description: 'Pipelines by id: `metrics`, `logs` or `traces`, optionally followed by `/name`.',
        },
        telemetry: {
          type: 'object',
          additionalProperties: false,
          description: 'The agent\'s own telemetry.',
          properties: {
            logs: {
              type: 'object',
              additionalProperties: false,
              description: 'The agent\'s own log output.',
              properties: {
                level: { enum: [...LOG_LEVELS], description: 'Minimum level of the agent\'s log lines.' },
              },
            },
          },
        },
      },
    },
  },
} as const;
