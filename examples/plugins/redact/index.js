// @ts-check
/**
 * An example processor plugin: replaces the values of chosen attributes with
 * a fixed string (for example command lines that may carry secrets).
 *
 * It uses only the public API of the `ebpf-pipeline` package, exactly as the
 * built-in processors do. List it in a config:
 *
 *   plugins: [./examples/plugins/redact/index.js]
 *   processors:
 *     redact:
 *       attributes: [process.command_line]
 */
const { map } = require('rxjs');
const { defineProcessor } = require('ebpf-pipeline');

/** @typedef {{ attributes: string[], replacement: string }} RedactConfig */

const DEFAULT_REPLACEMENT = '[REDACTED]';

/**
 * Replaces the named attributes of every record. Records are copied, never
 * changed in place: another pipeline may share them.
 * @param {RedactConfig} config
 * @returns {import('rxjs').OperatorFunction<import('ebpf-pipeline').Batch, import('ebpf-pipeline').Batch>}
 */
function redactOperator(config) {
  const keys = config.attributes;
  /** @param {{ attributes: Record<string, unknown> }} record */
  const redact = (record) => {
    if (!keys.some((k) => k in record.attributes)) return record;
    const attributes = { ...record.attributes };
    for (const k of keys) if (k in attributes) attributes[k] = config.replacement;
    return { ...record, attributes };
  };
  return map((batch) => /** @type {import('ebpf-pipeline').Batch} */ ({ signal: batch.signal, records: batch.records.map(redact) }));
}

const redactProcessorFactory = defineProcessor(/** @type {const} */ ({
  type: 'redact',
  signals: ['metrics', 'logs', 'traces'],
  description: 'replaces the values of chosen attributes',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['attributes'],
    properties: {
      attributes: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Attribute keys whose values are replaced.' },
      replacement: { type: 'string', default: DEFAULT_REPLACEMENT, description: 'The value written instead.' },
    },
  },
  /** @param {RedactConfig} config */
  create: (config) => ({ operator: redactOperator(config) }),
}));

module.exports = { factories: [redactProcessorFactory], redactOperator };
