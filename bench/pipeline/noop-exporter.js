'use strict';
/**
 * A plugin exporter that accepts every batch and does nothing with it: the
 * end of the baseline pipelines (replay -> noop), so the baseline measures
 * read + JSON.parse + OTLP decode + engine routing and queueing, and nothing
 * of any processor or real exporter.
 */
const { dist } = require('../common');

const { defineExporter } = dist('core/index');

const OK = Promise.resolve({ ok: true });

const noopExporterFactory = defineExporter({
  type: 'bench_noop',
  signals: ['metrics', 'logs', 'traces'],
  description: 'benchmark baseline: accepts and discards every batch',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    start: async () => undefined,
    shutdown: async () => undefined,
    export: () => OK,
  }),
});

module.exports = { factories: [noopExporterFactory] };
