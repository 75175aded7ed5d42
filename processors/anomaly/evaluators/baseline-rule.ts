/**
 * Baseline rules: each key's value per window (epoch aligned, record time):
 * its count of matching events, or with `value:` an aggregate of an
 * attribute's numbers, is compared with an EWMA of its past windows. After
 * `warmup` windows, a value more than `k` deviations (EWMA of the absolute
 * difference, floored at `min_deviation`) from the mean raises an alert,
 * above or below. A window closes when any event (matching or not) of a
 * later window arrives; for a sum (a count), windows without events count 0
 * for every key seen before; for the other aggregates a window without
 * values is not observed. The open window is not closed at shutdown (it is
 * incomplete).
 */
import type { Attributes, LogRecord, Resource } from '../../../core/signals';
import { makeAlert, msToHrTime } from '../alert';
import { BoundedMap } from '../bounded-map';
import type { BaselineRule } from '../compiled-rule';
import { addValue, aggregateOf, emptyWindowValue, eventValue, roundValue, type WindowValue } from './window-value';
import {
  conditionHolds,
  isExcepted,
  isoTime,
  keyAttributes,
  keyOf,
  newStats,
  windowStart,
  type EvaluationErrorSink,
  type RuleEvaluator,
} from './evaluator';

/** Longest run of empty windows replayed as zeros; a longer gap resets every baseline (counted in `resets`). */
export const MAX_EMPTY_WINDOWS = 100;

interface Baseline {
  mean: number;
  deviation: number;
  /** Windows observed. */
  windows: number;
  /** The key's attributes, for alerts of windows without events. */
  attributes: Attributes;
  resource: Resource;
}

interface WindowCount {
  value: WindowValue;
  last: LogRecord;
}

/** Evaluates one baseline rule, keeping at most `maxKeys` keys. */
export function baselineRuleEvaluator(rule: BaselineRule, maxKeys: number, onError: EvaluationErrorSink): RuleEvaluator {
  const stats = newStats();
  const baselines = new BoundedMap<string, Baseline>(maxKeys);
  const counts = new BoundedMap<string, WindowCount>(maxKeys);
  let current: number | undefined;
  const zeroWhenEmpty = rule.aggregate === 'sum';

  const observe = (key: string, value: number, start: number, last: LogRecord | undefined, out: LogRecord[]): void => {
    let b = baselines.get(key);
    if (!b) {
      if (!last) return;
      b = { mean: value, deviation: 0, windows: 1, attributes: keyAttributes(last.attributes, rule.by), resource: last.resource };
      baselines.set(key, b);
      return;
    }
    const difference = Math.abs(value - b.mean);
    if (b.windows >= rule.warmup && difference > rule.k * Math.max(b.deviation, rule.minDeviation)) {
      stats.alerts++;
      out.push(makeAlert({
        rule,
        trigger: last,
        attributes: b.attributes,
        time: msToHrTime(start + rule.windowMs),
        resource: last?.resource ?? b.resource,
        extra: {
          'anomaly.value': roundValue(value),
          'anomaly.baseline': roundValue(b.mean),
          'anomaly.deviation': roundValue(b.deviation),
          'anomaly.window': rule.windowMs / 1000,
          'anomaly.window.start': isoTime(start),
        },
      }));
    }
    b.deviation = (1 - rule.alpha) * b.deviation + rule.alpha * difference;
    b.mean = (1 - rule.alpha) * b.mean + rule.alpha * value;
    b.windows++;
    if (last) b.resource = last.resource;
  };

  const closeWindow = (start: number, out: LogRecord[]): void => {
    if (zeroWhenEmpty) {
      for (const [key] of baselines.entries()) {
        if (!counts.has(key)) observe(key, 0, start, undefined, out);
      }
    }
    for (const [key, { value, last }] of counts.entries()) observe(key, aggregateOf(value, rule.aggregate), start, last, out);
    counts.clear();
    stats.evictions = baselines.evictions + counts.evictions;
  };

  return {
    rule,
    stats,
    onEvent(record: LogRecord, timeMs: number, out: LogRecord[]): void {
      // Every event moves time on (and may close windows); only matching ones count.
      const start = windowStart(timeMs, rule.windowMs);
      if (current !== undefined && start > current) {
        closeWindow(current, out);
        const empty = (start - current) / rule.windowMs - 1;
        if (empty > MAX_EMPTY_WINDOWS) {
          baselines.clear();
          stats.resets++;
        } else {
          for (let i = 1; i <= empty; i++) closeWindow(current + i * rule.windowMs, out);
        }
        current = start;
      }
      if (!conditionHolds(rule, record, onError) || isExcepted(rule, record)) return;
      const x = eventValue(record, rule.value);
      if (x === undefined) {
        stats.missing++;
        return;
      }
      if (current === undefined) current = start;
      if (start < current) {
        stats.late++;
        return;
      }
      const key = keyOf(record.attributes, rule.by);
      let c = counts.get(key);
      if (!c) {
        c = { value: emptyWindowValue(), last: record };
        counts.set(key, c);
      }
      addValue(c.value, x);
      c.last = record;
    },
  };
}
