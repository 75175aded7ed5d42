/**
 * Count (threshold and rate) rules: per key, in epoch-aligned windows of
 * record time, the matching events are counted (or, with `value:`, an
 * attribute's numbers aggregated); the event that takes a key's value above
 * `gt` (with `rate_gt`: the value per second of window above it) raises one
 * alert for that key and window.
 */
import type { LogRecord } from '../../../core/signals';
import { makeAlert } from '../alert';
import { BoundedMap } from '../bounded-map';
import type { CountRule } from '../compiled-rule';
import { conditionHolds, isExcepted, isoTime, keyOf, newStats, windowStart, type EvaluationErrorSink, type RuleEvaluator } from './evaluator';
import { addValue, aggregateOf, emptyWindowValue, eventValue, roundValue, type WindowValue } from './window-value';

interface KeyWindow {
  start: number;
  value: WindowValue;
  alerted: boolean;
}

/** Evaluates one count rule, keeping at most `maxKeys` keys. */
export function countRuleEvaluator(rule: CountRule, maxKeys: number, onError: EvaluationErrorSink): RuleEvaluator {
  const stats = newStats();
  const windows = new BoundedMap<string, KeyWindow>(maxKeys);
  const seconds = rule.windowMs / 1000;
  return {
    rule,
    stats,
    onEvent(record: LogRecord, timeMs: number, out: LogRecord[]): void {
      if (!conditionHolds(rule, record, onError) || isExcepted(rule, record)) return;
      const x = eventValue(record, rule.value);
      if (x === undefined) {
        stats.missing++;
        return;
      }
      const key = keyOf(record.attributes, rule.by);
      const start = windowStart(timeMs, rule.windowMs);
      let state = windows.get(key);
      if (state && start < state.start) {
        stats.late++;
        return;
      }
      if (!state || start > state.start) state = { start, value: emptyWindowValue(), alerted: false };
      addValue(state.value, x);
      windows.touch(key, state);
      stats.evictions = windows.evictions;
      if (state.alerted) return;
      const total = aggregateOf(state.value, rule.aggregate);
      const measured = rule.perSecond ? total / seconds : total;
      if (measured <= rule.gt) return;
      state.alerted = true;
      stats.alerts++;
      out.push(makeAlert({
        rule,
        trigger: record,
        time: record.time,
        resource: record.resource,
        extra: {
          'anomaly.value': roundValue(measured),
          'anomaly.threshold': rule.gt,
          ...(rule.perSecond ? { 'anomaly.window.total': roundValue(total) } : {}),
          'anomaly.window': seconds,
          'anomaly.window.start': isoTime(state.start),
        },
      }));
    },
  };
}
