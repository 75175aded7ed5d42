/** Event rules: an alert for every event that matches the condition and no exception. */
import type { LogRecord } from '../../../core/signals';
import { makeAlert } from '../alert';
import type { EventRule } from '../compiled-rule';
import { conditionHolds, isExcepted, newStats, type EvaluationErrorSink, type RuleEvaluator } from './evaluator';

/** Evaluates one event rule. Stateless. */
export function eventRuleEvaluator(rule: EventRule, onError: EvaluationErrorSink): RuleEvaluator {
  const stats = newStats();
  return {
    rule,
    stats,
    onEvent(record: LogRecord, _timeMs: number, out: LogRecord[]): void {
      if (!conditionHolds(rule, record, onError) || isExcepted(rule, record)) return;
      stats.alerts++;
      out.push(makeAlert({ rule, trigger: record, time: record.time, resource: record.resource }));
    },
  };
}
