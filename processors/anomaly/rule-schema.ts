/**
 * JSON Schemas of the items of a rule file: `list:`, `macro:` and `rule:`
 * (event, count, baseline and sequence rules). Unknown fields are refused.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { PRIORITIES } from './priority';

/** Default EWMA weight of the newest window in a baseline. */
export const DEFAULT_ALPHA = 0.3;
/** Default number of deviations from the baseline that raises an alert. */
export const DEFAULT_K = 3;
/** Default number of windows a key is observed before it can alert. */
export const DEFAULT_WARMUP = 5;
/** Default floor of the deviation, so a perfectly flat baseline does not alert on +1. */
export const DEFAULT_MIN_DEVIATION = 1;
/** Default way the values of a window combine: their sum (with no `value:`, the number of events). */
export const DEFAULT_AGGREGATE = 'sum';
/** The ways the values of a window combine. */
export const AGGREGATES = ['sum', 'max', 'min', 'mean', 'last'] as const;
/** Default scope of a sequence: the process that did step 1 and its descendants. */
export const DEFAULT_SEQUENCE_BY = 'process_tree';

const duration = { type: ['string', 'number'], format: 'duration' } as const;
const byFields = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1 },
  description: 'Attributes whose values make the key (`process.executable.name`, ...).',
} as const;

const valueField = {
  type: 'string',
  minLength: 1,
  description: 'Attribute whose numbers make the window\'s value (e.g. `metric.delta` of a `metric.point` from the metricstologs connector); default: each matching event counts 1. Events without a number there are not counted (`missing`).',
} as const;
const aggregateField = {
  type: 'string',
  enum: AGGREGATES,
  default: DEFAULT_AGGREGATE,
  description: 'How the values of one key in one window combine: sum, max, min, mean or last. Needs `value:` unless sum.',
} as const;

/** `- list: name` with its items. */
export const listItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['list', 'items'],
  properties: {
    list: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name used in conditions (as a CEL list).' },
    items: {
      type: 'array',
      items: { type: ['string', 'number', 'boolean'] },
      description: 'Values; an item that names another list is replaced by its items.',
    },
  },
} as const satisfies JSONSchema;

/** `- macro: name` with its condition. */
export const macroItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['macro', 'condition'],
  properties: {
    macro: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Name used in conditions (replaced by the parenthesized condition).' },
    condition: { type: 'string', minLength: 1, description: 'CEL condition; may use other macros and lists.' },
  },
} as const satisfies JSONSchema;

/** One exception: records whose fields match one of the value tuples do not raise the rule. */
const exceptionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'fields', 'values'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Name of the exception (for readers).' },
    fields: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Attributes compared.' },
    comps: {
      type: 'array',
      items: { type: 'string', enum: ['=', '!=', 'startswith', 'endswith', 'contains', 'in'] },
      description: 'Comparison per field (default `=`); `in` takes a list of values.',
    },
    values: {
      type: 'array',
      items: {},
      description: 'Tuples of values, one per field (a bare value for a single field).',
    },
  },
} as const satisfies JSONSchema;

/** `- rule: name`: an event rule, or a count, baseline or sequence rule. */
export const ruleItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rule'],
  properties: {
    rule: { type: 'string', minLength: 1, description: 'Unique rule name (`security_rule.name` of its alerts).' },
    desc: { type: 'string', description: 'What the rule detects (`security_rule.description`).' },
    category: { type: 'string', minLength: 1, description: 'Alert category (`security_rule.category`); defaults to the first tag, else the rule kind.' },
    condition: { type: 'string', minLength: 1, description: 'CEL condition over the event; macros and lists by name. Required for event rules; for the others it selects the events that count.' },
    output: { type: 'string', description: 'Alert body: a template with `%{attribute}` fields (values escaped, `<NA>` when absent).' },
    priority: { type: 'string', enum: PRIORITIES, description: 'emergency, alert, critical, error, warning, notice, informational (info) or debug; sets the severity.' },
    tags: { type: 'array', items: { type: 'string' }, description: 'Free tags (`security_rule.tags`).' },
    enabled: { type: 'boolean', description: 'false: loaded and checked, never raised.' },
    exceptions: { type: 'array', items: exceptionSchema, description: 'Field/value tuples that silence the rule.' },
    count: {
      type: 'object',
      additionalProperties: false,
      required: ['over'],
      properties: {
        by: byFields,
        over: { ...duration, description: 'Window length (windows are aligned to the epoch, in record time).' },
        value: valueField,
        aggregate: aggregateField,
        gt: { type: 'number', minimum: 0, description: 'Alert when a key\'s value in one window (by default its count of events) is more than this (once per key and window). Exclusive with `rate_gt`.' },
        rate_gt: { type: 'number', minimum: 0, description: 'Alert when a key\'s value in one window divided by the window\'s length in seconds is more than this (a rate per second; `aggregate: sum` only). Exclusive with `gt`.' },
      },
      description: 'Threshold or rate rule: the values (default: a count) of the events matching the condition, per key over a window.',
    },
    baseline: {
      type: 'object',
      additionalProperties: false,
      required: ['over'],
      properties: {
        by: byFields,
        over: { ...duration, description: 'Window length; a key\'s value per window (by default its count of events) is compared with its baseline.' },
        value: valueField,
        aggregate: aggregateField,
        k: { type: 'number', exclusiveMinimum: 0, default: DEFAULT_K, description: 'Alert when the value is more than k deviations away from the mean.' },
        alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: DEFAULT_ALPHA, description: 'EWMA weight of the newest window.' },
        warmup: { type: 'integer', minimum: 1, default: DEFAULT_WARMUP, description: 'Windows observed per key before it can alert.' },
        min_deviation: { type: 'number', minimum: 0, default: DEFAULT_MIN_DEVIATION, description: 'Floor of the deviation used in the comparison.' },
      },
      description: 'Baseline rule: per-key value per window (default: a count) against an EWMA mean and mean absolute deviation.',
    },
    sequence: {
      type: 'object',
      additionalProperties: false,
      required: ['steps', 'within'],
      properties: {
        by: { type: 'string', enum: ['process', 'process_tree'], default: DEFAULT_SEQUENCE_BY, description: '`process`: every step by the same process.exec_id; `process_tree`: later steps may come from its descendants (process.ancestors.exec_id).' },
        within: { ...duration, description: 'Longest time from the first to the last step.' },
        steps: { type: 'array', minItems: 2, items: { type: 'string', minLength: 1 }, description: 'CEL conditions, in order.' },
      },
      description: 'Sequence rule: step 1, then step 2, ... by the same process (tree) within a time.',
    },
  },
} as const satisfies JSONSchema;

/** A `list:` item. */
export type ListItem = FromSchema<typeof listItemSchema>;
/** A `macro:` item. */
export type MacroItem = FromSchema<typeof macroItemSchema>;
/** A `rule:` item (after defaults). */
export type RuleItem = FromSchema<typeof ruleItemSchema>;
/** One exception of a rule. */
export type RuleException = FromSchema<typeof exceptionSchema>;
