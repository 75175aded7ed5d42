/** A small registry of fake factories for the config tests. */
import { NEVER } from 'rxjs';
import { defineExporter, defineProcessor, defineReceiver } from '../../../core/component';
import { Registry } from '../../../core/registry';

const receiver = { batches: NEVER, start: async () => {}, shutdown: async () => {} };
const exporter = { export: async () => ({ ok: true as const }), start: async () => {}, shutdown: async () => {} };

/** A receiver of every signal with a required `file`, an enum and a boolean. */
export const replay = defineReceiver({
  type: 'replay',
  signals: ['metrics', 'logs', 'traces'],
  description: 'replays a file',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: { type: 'string', description: 'Path of the file to replay.' },
      pace: { enum: ['realtime', 'fast'], default: 'fast', description: 'How fast to replay.' },
      loop: { type: 'boolean', default: false, description: 'Start again at the end.' },
    },
  },
  create: () => receiver,
});

/** A metrics-only receiver with a duration and an integer. */
export const syscall = defineReceiver({
  type: 'syscall',
  signals: ['metrics'],
  description: 'syscall counts',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      collection_interval: { type: 'string', format: 'duration', default: '10s', description: 'Read interval.' },
      max_entries: { type: 'integer', minimum: 1, default: 1024, description: 'Map size.' },
      latency: { type: 'boolean', default: false, description: 'Also measure latency.' },
    },
  },
  create: () => receiver,
});

/** A processor of every signal. */
export const batch = defineProcessor({
  type: 'batch',
  signals: ['metrics', 'logs', 'traces'],
  description: 'batches',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      timeout: { type: 'string', format: 'duration', default: '200ms', description: 'Flush after this long.' },
      send_batch_size: { type: 'integer', minimum: 1, default: 8192, description: 'Flush at this many records.' },
    },
  },
  create: () => ({ operator: (s) => s }),
});

/** A processor with its own `validate`. */
export const filter = defineProcessor<{ drop?: string }>({
  type: 'filter',
  signals: ['metrics', 'logs', 'traces'],
  description: 'filters',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { drop: { type: 'string', description: 'Drop records matching this expression.' } },
  },
  validate: (config) => (config.drop?.includes('===') ? [{ path: '/drop', message: 'invalid expression: "===" is not an operator; use ==' }] : []),
  create: () => ({ operator: (s) => s }),
});

/** A metrics-only exporter with hostport and bytesize formats. */
export const prometheus = defineExporter({
  type: 'prometheus',
  signals: ['metrics'],
  description: 'serves /metrics',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', format: 'hostport', default: '127.0.0.1:9464', description: 'Listen address.' },
      max_size: { type: ['string', 'integer'], format: 'bytesize', description: 'Largest response.' },
    },
  },
  create: () => exporter,
});

/** An exporter of every signal. */
export const debug = defineExporter({
  type: 'debug',
  signals: ['metrics', 'logs', 'traces'],
  description: 'prints',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { verbosity: { enum: ['basic', 'detailed'], default: 'basic', description: 'How much to print.' } },
  },
  create: () => exporter,
});

/** A fresh registry with every fake factory. */
export function testRegistry(): Registry {
  const registry = new Registry();
  for (const f of [replay, syscall, batch, filter, prometheus, debug]) registry.register(f);
  return registry;
}
