/**
 * Count (threshold) rules: matching events counted per key in epoch-aligned
 * windows of record time; the event that takes a key's count above `gt`
 * raises one alert for that key and window.
 */
import type { LogRecord } from '../../../core/signals';
import { makeAlert } from '../alert';
import { BoundedMap } from '../bounded-map';
import type { CountRule } from '../compiled-rule';
import { conditionHolds, isExcepted, isoTime, keyOf, newStats, windowStart, type EvaluationErrorSink, type RuleEvaluator } from './evaluator';

interface KeyWindow {
  start: number;
  count: number;
  alerted: boolean;
}

/** Evaluates one count rule, keeping at most `maxKeys` keys. */
export function countRuleEvaluator(rule: CountRule, maxKeys: number, onError: EvaluationErrorSink): RuleEvaluator {
  const stats = newStats();
  const windows = new BoundedMap<string, KeyWindow>(maxKeys);
  return {
    rule,
    stats,
    onEvent(record: LogRecord, timeMs: number, out: LogRecord[]): void {
      if (!conditionHolds(rule, record, onError) || isExcepted(rule, record)) return;
      const key = keyOf(record.attributes, rule.by);
      const start = windowStart(timeMs, rule.windowMs);
      let state = windows.get(key);
      if (state && start < state.start) {
        stats.late++;
        return;
      }
      if (!state || start > state.start) state = { start, count: 0, alerted: false };
      state.count++;
      windows.touch(key, state);
      stats.evictions = windows.evictions;
      if (state.count <= rule.gt || state.alerted) return;
      state.alerted = true;
      stats.alerts++;
      out.push(makeAlert({
        rule,
        trigger: record,
        time: record.time,
        resource: record.resource,
        extra: {
          'anomaly.value': state.count,
          'anomaly.threshold': rule.gt,
          'anomaly.window': rule.windowMs / 1000,
          'anomaly.window.start': isoTime(state.start),
        },
      }));
    },
  };
}
