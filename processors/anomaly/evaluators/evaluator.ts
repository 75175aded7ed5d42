/** What the rule evaluators share: the evaluator contract, condition checks, keys. */
import type { CompiledExpression } from '../../../core/expression';
import type { AttributeValue, Attributes, LogRecord } from '../../../core/signals';
import type { CompiledRule } from '../compiled-rule';

/** Called when a condition fails on a record (it then counts as not matching). */
export type EvaluationErrorSink = (error: unknown, rule: CompiledRule, expression: CompiledExpression) => void;

/** Counters of one evaluator. */
export interface EvaluatorStats {
  /** Alerts raised. */
  alerts: number;
  /** Keys evicted from the rule's state to stay within max_keys. */
  evictions: number;
  /** Events older than the rule's current window, not counted. */
  late: number;
  /** Events a sequence rule could not follow (no `process.exec_id`). */
  untracked: number;
  /** Count and baseline rules with `value:`: matching events without a number in that attribute (not counted). */
  missing: number;
  /** Baseline rules: times a gap of more than MAX_EMPTY_WINDOWS windows reset every baseline. */
  resets: number;
}

/** Evaluates one rule over events, in record-time order. */
export interface RuleEvaluator {
  readonly rule: CompiledRule;
  readonly stats: EvaluatorStats;
  /** Looks at one event at `timeMs` (record time); pushes the alerts it raises to `out`. */
  onEvent(record: LogRecord, timeMs: number, out: LogRecord[]): void;
}

/** Fresh counters. */
export function newStats(): EvaluatorStats {
  return { alerts: 0, evictions: 0, late: 0, untracked: 0, missing: 0, resets: 0 };
}

/** Whether `expression` is true on the record; a failure counts as false and is reported. */
export function holds(expression: CompiledExpression, record: LogRecord, rule: CompiledRule, onError: EvaluationErrorSink): boolean {
  try {
    const result = expression.evaluate(record, 'logs');
    if (result === true) return true;
    if (result !== false) onError(new TypeError(`condition returned ${typeof result}, not a bool`), rule, expression);
  } catch (err) {
    onError(err, rule, expression);
  }
  return false;
}

/** Whether the rule's condition (if any) holds. */
export function conditionHolds(rule: CompiledRule, record: LogRecord, onError: EvaluationErrorSink): boolean {
  return rule.condition === undefined || holds(rule.condition, record, rule, onError);
}

/** Whether one of the rule's exceptions matches the record. */
export function isExcepted(rule: CompiledRule, record: LogRecord): boolean {
  for (const matches of rule.exceptions) if (matches(record.attributes)) return true;
  return false;
}

function keyPart(value: AttributeValue): string {
  if (value === undefined || value === null) return '\u0001';
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'object') return `o${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
  return `n${String(value)}`;
}

/** The state key of a record for `by` fields (one key for all when there are none). */
export function keyOf(attributes: Attributes, by: readonly string[]): string {
  if (by.length === 1) return keyPart(attributes[by[0]]);
  let key = '';
  for (const field of by) key += `${keyPart(attributes[field])}\u0000`;
  return key;
}

/** The `by` attributes of a record (absent ones left out). */
export function keyAttributes(attributes: Attributes, by: readonly string[]): Attributes {
  const out: Attributes = {};
  for (const field of by) if (attributes[field] !== undefined) out[field] = attributes[field];
  return out;
}

/** The start of the epoch-aligned window holding `timeMs`. */
export function windowStart(timeMs: number, windowMs: number): number {
  return Math.floor(timeMs / windowMs) * windowMs;
}

/** A window's start as an ISO 8601 string, for `anomaly.window.start`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
