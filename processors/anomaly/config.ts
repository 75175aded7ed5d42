/** Config of the `anomaly` processor. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Default: the original events pass on, alerts are added after them. */
export const DEFAULT_DROP_EVENTS = false;
/** Default bound on the keys (processes, exec ids, `by` tuples) one stateful rule keeps. */
export const DEFAULT_MAX_KEYS = 10_000;

/** JSON Schema of the config. The rule items are checked by the rule loader (see `rule-schema.ts`). */
export const anomalySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rule_files: {
      type: 'array',
      default: [],
      items: { type: 'string', minLength: 1 },
      description: 'YAML rule files, each a list of `rule:`, `macro:` and `list:` items; a relative path starts at the directory of the config file. Loaded in order, before the inline rules.',
    },
    rules: {
      type: 'array',
      default: [],
      items: { type: 'object' },
      description: 'Inline `rule:`, `macro:` and `list:` items, in the rule-file format; they may use the lists and macros of the rule files.',
    },
    drop_events: {
      type: 'boolean',
      default: DEFAULT_DROP_EVENTS,
      description: 'Emit only the alerts: the original events are dropped (counted as dropped, reason `filtered`). By default the events pass on unchanged and each alert follows the event that raised it.',
    },
    max_keys: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_MAX_KEYS,
      description: 'Most keys one count, baseline or sequence rule keeps state for; the oldest key is evicted (and counted) to make room.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `anomaly` processor. */
export type AnomalyConfig = FromSchema<typeof anomalySchema>;
