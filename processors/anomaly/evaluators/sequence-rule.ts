/**
 * Sequence rules: step 1, then step 2, ... by the same process
 * (`process.exec_id`), or with `by: process_tree` by it or any of its
 * descendants (`process.ancestors.exec_id`), the last step within `within` of
 * the first. The alert carries the last step's event.
 */
import type { AttributeValue, LogRecord } from '../../../core/signals';
import { makeAlert } from '../alert';
import { BoundedMap } from '../bounded-map';
import type { SequenceRule } from '../compiled-rule';
import { conditionHolds, holds, isExcepted, newStats, type EvaluationErrorSink, type RuleEvaluator } from './evaluator';

interface Progress {
  /** Index of the next step to match. */
  next: number;
  startMs: number;
  first: LogRecord;
}

function execIdsOf(value: AttributeValue): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Evaluates one sequence rule, following at most `maxKeys` processes. */
export function sequenceRuleEvaluator(rule: SequenceRule, maxKeys: number, onError: EvaluationErrorSink): RuleEvaluator {
  const stats = newStats();
  const pending = new BoundedMap<string, Progress>(maxKeys);
  const { steps } = rule;

  /** Advances the sequence of `key` if this event is its next step; true when it completed. */
  const advance = (key: string, record: LogRecord, timeMs: number, out: LogRecord[]): boolean => {
    const progress = pending.get(key);
    if (!progress) return false;
    if (timeMs - progress.startMs > rule.withinMs) {
      pending.delete(key);
      return false;
    }
    if (!holds(steps[progress.next], record, rule, onError)) return false;
    if (progress.next + 1 < steps.length) {
      pending.touch(key, { ...progress, next: progress.next + 1 });
      return true;
    }
    pending.delete(key);
    if (isExcepted(rule, record)) return true;
    stats.alerts++;
    const first = progress.first.attributes;
    out.push(makeAlert({
      rule,
      trigger: record,
      time: record.time,
      resource: record.resource,
      extra: {
        'anomaly.sequence.origin.exec_id': key,
        'anomaly.sequence.origin.pid': first['process.pid'],
        'anomaly.sequence.first.event.name': progress.first.eventName,
        'anomaly.sequence.elapsed': (timeMs - progress.startMs) / 1000,
      },
    }));
    return true;
  };

  return {
    rule,
    stats,
    onEvent(record: LogRecord, timeMs: number, out: LogRecord[]): void {
      const execId = record.attributes['process.exec_id'];
      if (typeof execId !== 'string') {
        stats.untracked++;
        return;
      }
      if (!conditionHolds(rule, record, onError)) return;
      const advancedOwn = advance(execId, record, timeMs, out);
      if (!advancedOwn && rule.descendants) {
        for (const ancestor of execIdsOf(record.attributes['process.ancestors.exec_id'])) {
          if (advance(ancestor, record, timeMs, out)) break;
        }
      }
      if (!advancedOwn && holds(steps[0], record, rule, onError)) {
        pending.touch(execId, { next: 1, startMs: timeMs, first: record });
      }
      stats.evictions = pending.evictions;
    },
  };
}
