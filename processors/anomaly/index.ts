/** The `anomaly` processor factory. */
import { defineProcessor } from '../../core/component';
import type { ConfigProblem, CreateContext, Processor, ValidateContext } from '../../core/component';
import type { CompiledExpression } from '../../core/expression';
import type { CompiledRule } from './compiled-rule';
import { anomalySchema, DEFAULT_DROP_EVENTS, DEFAULT_MAX_KEYS, type AnomalyConfig } from './config';
import type { EvaluatorStats, RuleEvaluator } from './evaluators/evaluator';
import { loadRules } from './load-rules';
import { anomalyOperator } from './operator';

/** An anomaly processor instance, with its counters. */
export interface AnomalyProcessor extends Processor {
  /** Names of the enabled rules, in order. */
  readonly ruleNames: readonly string[];
  /** How many times a condition failed on a record (counted as no match). */
  readonly evaluationErrors: number;
  /** Counters per rule name, summed over the subscriptions of the operator. */
  stats(): Record<string, EvaluatorStats>;
}

function validateAnomalyConfig(config: AnomalyConfig, context?: ValidateContext): ConfigProblem[] {
  return loadRules(config, context?.configDir ?? process.cwd()).problems;
}

function createAnomaly(config: AnomalyConfig, ctx: CreateContext): AnomalyProcessor {
  const { ruleSet, problems } = loadRules(config, ctx.configDir);
  // validate() ran on the same config; a rule file changed in between is reported here, once.
  if (!ruleSet) throw new Error(`${ctx.id}: rules do not load: ${problems.map((p) => p.message).join('; ')}`);
  const evaluators: RuleEvaluator[] = [];
  let evaluationErrors = 0;
  const onError = (err: unknown, rule: CompiledRule, expression: CompiledExpression): void => {
    if (evaluationErrors++ === 0) {
      ctx.logger.warn(
        { component: ctx.id, rule: rule.name, expression: expression.source, error: err instanceof Error ? err.message : String(err) },
        `${ctx.id}: a rule condition failed on a record and counts as no match (logged once)`,
      );
    }
  };
  const operator = anomalyOperator({
    rules: ruleSet.rules,
    dropEvents: config.drop_events ?? DEFAULT_DROP_EVENTS,
    maxKeys: config.max_keys ?? DEFAULT_MAX_KEYS,
    onError,
    onDropped: (n) => ctx.telemetry.drop('filtered', n),
    onEvaluators: (list) => evaluators.push(...list),
  });
  ctx.logger.info(
    { component: ctx.id, rules: ruleSet.rules.length, disabled: ruleSet.disabled.length },
    `${ctx.id}: ${ruleSet.rules.length} rules loaded (${ruleSet.disabled.length} disabled)`,
  );
  const stats = (): Record<string, EvaluatorStats> => {
    const out: Record<string, EvaluatorStats> = {};
    for (const e of evaluators) {
      const s = (out[e.rule.name] ??= { alerts: 0, evictions: 0, late: 0, untracked: 0, missing: 0, resets: 0 });
      s.alerts += e.stats.alerts;
      s.evictions += e.stats.evictions;
      s.late += e.stats.late;
      s.untracked += e.stats.untracked;
      s.missing += e.stats.missing;
      s.resets += e.stats.resets;
    }
    return out;
  };
  let reported = false;
  return {
    operator,
    ruleNames: ruleSet.rules.map((r) => r.name),
    get evaluationErrors() {
      return evaluationErrors;
    },
    stats,
    async shutdown() {
      if (reported) return;
      reported = true;
      const all = Object.values(stats());
      const sum = (k: keyof EvaluatorStats): number => all.reduce((n, s) => n + s[k], 0);
      ctx.logger.info(
        { component: ctx.id, alerts: sum('alerts'), evictions: sum('evictions'), late: sum('late'), missing: sum('missing'), resets: sum('resets'), evaluationErrors },
        `${ctx.id}: ${sum('alerts')} alerts; ${sum('evictions')} state keys evicted (max_keys), ${sum('late')} late events, ${sum('missing')} events without a value, ${evaluationErrors} failed evaluations`,
      );
    },
  };
}

/** Evaluates Falco-style rules (event, count, baseline, sequence) over log events and emits alerts as log records. */
export const anomalyProcessorFactory = defineProcessor<AnomalyConfig>({
  type: 'anomaly',
  signals: ['logs'],
  schema: anomalySchema,
  description: 'raises security and anomaly alerts from rules over log events',
  validate: validateAnomalyConfig,
  create: createAnomaly,
});
