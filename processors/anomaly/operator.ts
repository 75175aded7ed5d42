/** The `anomaly` operator: evaluates rules over log events and adds their alerts to the stream. */
import { filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { Batch, LogRecord } from '../../core/signals';
import { ANOMALY_ALERT, SECURITY_ALERT, recordTimeMs } from './alert';
import type { CompiledRule } from './compiled-rule';
import { baselineRuleEvaluator } from './evaluators/baseline-rule';
import { countRuleEvaluator } from './evaluators/count-rule';
import { eventRuleEvaluator } from './evaluators/event-rule';
import type { EvaluationErrorSink, RuleEvaluator } from './evaluators/evaluator';
import { sequenceRuleEvaluator } from './evaluators/sequence-rule';

/** Options of {@link anomalyOperator}. */
export interface AnomalyOptions {
  rules: readonly CompiledRule[];
  /** Emit only alerts (the events are dropped and counted through `onDropped`). */
  dropEvents: boolean;
  /** Most keys one stateful rule keeps. */
  maxKeys: number;
  /** Called when a condition fails on a record (it then counts as not matching). */
  onError?: EvaluationErrorSink;
  /** Called with the number of events dropped from a batch (`drop_events`). */
  onDropped?: (count: number) => void;
  /** Receives the evaluators, so their counters can be read (one per rule, in rule order). */
  onEvaluators?: (evaluators: readonly RuleEvaluator[]) => void;
}

/** One evaluator for a rule. */
export function evaluatorFor(rule: CompiledRule, maxKeys: number, onError: EvaluationErrorSink): RuleEvaluator {
  switch (rule.kind) {
    case 'event': return eventRuleEvaluator(rule, onError);
    case 'count': return countRuleEvaluator(rule, maxKeys, onError);
    case 'baseline': return baselineRuleEvaluator(rule, maxKeys, onError);
    case 'sequence': return sequenceRuleEvaluator(rule, maxKeys, onError);
  }
}

const ignoreErrors: EvaluationErrorSink = () => undefined;

/** Whether a record is an alert (alerts are passed on, never evaluated: no alerts about alerts). */
function isAlert(record: LogRecord): boolean {
  return record.eventName === SECURITY_ALERT || record.eventName === ANOMALY_ALERT;
}

/**
 * Evaluates every rule over every log record, in order, with time taken from
 * the records. Each alert follows the event that raised it in the same batch
 * (alerts of baseline windows closed by an event come before that event's own
 * alerts). A batch without alerts passes as the same object (unless
 * `dropEvents`); metric and span batches pass unchanged. Rule state lives in
 * the operator's subscription: each subscription starts fresh.
 */
export function anomalyOperator(options: AnomalyOptions): OperatorFunction<Batch, Batch> {
  const { rules, dropEvents, maxKeys, onDropped, onEvaluators } = options;
  const onError = options.onError ?? ignoreErrors;
  return (source) => {
    const evaluators = rules.map((rule) => evaluatorFor(rule, maxKeys, onError));
    onEvaluators?.(evaluators);
    return source.pipe(
      map((batch: Batch): Batch => {
        if (batch.signal !== 'logs') return batch;
        let out: LogRecord[] | undefined;
        const alerts: LogRecord[] = [];
        const records = batch.records;
        for (let i = 0; i < records.length; i++) {
          const record = records[i];
          if (!isAlert(record)) {
            const timeMs = recordTimeMs(record);
            for (let r = 0; r < evaluators.length; r++) evaluators[r].onEvent(record, timeMs, alerts);
          }
          if (alerts.length === 0 && !dropEvents) {
            out?.push(record);
            continue;
          }
          out ??= dropEvents ? [] : records.slice(0, i);
          if (!dropEvents || isAlert(record)) out.push(record);
          for (const alert of alerts) out.push(alert);
          alerts.length = 0;
        }
        if (dropEvents) {
          const dropped = records.filter((r) => !isAlert(r)).length;
          if (dropped > 0) onDropped?.(dropped);
        }
        if (!out) return batch;
        return { signal: 'logs', records: out };
      }),
      filter((batch) => batch.records.length > 0),
    );
  };
}
