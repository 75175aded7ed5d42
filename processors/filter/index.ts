/** The `filter` processor factory. */
import { defineProcessor } from '../../core/component';
import type { ConfigProblem, CreateContext, Processor } from '../../core/component';
import { compileExpression, ExpressionError } from '../../core/expression';
import type { CompiledExpression } from '../../core/expression';
import { filterSchema, type FilterConfig } from './config';
import { filterOperator, type FilterAction } from './operator';

/** A filter instance; `evaluationErrors` counts conditions that failed on a record. */
export interface FilterProcessor extends Processor {
  /** How many times a condition failed to evaluate on a record (counted as "no match"). */
  readonly evaluationErrors: number;
}

interface Conditions {
  action: FilterAction;
  /** Config path of each condition, e.g. `/drop` or `/drop/1`. */
  entries: { path: string; source: string }[];
}

function conditionsOf(config: FilterConfig): Conditions | undefined {
  const action: FilterAction | undefined = config.drop !== undefined ? 'drop' : config.keep !== undefined ? 'keep' : undefined;
  if (!action) return undefined;
  const value = config[action]!;
  const entries = typeof value === 'string'
    ? [{ path: `/${action}`, source: value }]
    : value.map((source, i) => ({ path: `/${action}/${i}`, source }));
  return { action, entries };
}

/** Compiles every condition; problems name the config path, the expression and the error position. */
function validateFilterConfig(config: FilterConfig): ConfigProblem[] {
  if ((config.drop === undefined) === (config.keep === undefined)) {
    return [{ path: '', message: 'set exactly one of "drop" or "keep"' }];
  }
  const problems: ConfigProblem[] = [];
  for (const { path, source } of conditionsOf(config)!.entries) {
    try {
      const compiled = compileExpression(source);
      if (compiled.resultType !== 'bool' && compiled.resultType !== 'dyn') {
        problems.push({ path, message: `condition must be a bool, but "${source}" is a ${compiled.resultType}` });
      }
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      problems.push({ path, message: `invalid CEL expression: ${err.message}` });
    }
  }
  return problems;
}

function createFilter(config: FilterConfig, ctx: CreateContext): FilterProcessor {
  const { action, entries } = conditionsOf(config)!;
  const conditions: CompiledExpression[] = entries.map((e) => compileExpression(e.source));
  let evaluationErrors = 0;
  let reported = 0;
  const operator = filterOperator({
    action,
    conditions,
    onDropped: (n) => ctx.telemetry.drop('filtered', n),
    onError: (err, condition) => {
      if (evaluationErrors++ === 0) {
        ctx.logger.warn(
          { component: ctx.id, expression: condition.source, error: err instanceof Error ? err.message : String(err) },
          `${ctx.id}: a filter condition failed on a record and counts as no match (logged once)`,
        );
      }
    },
  });
  return {
    operator,
    get evaluationErrors() {
      return evaluationErrors;
    },
    async shutdown() {
      if (evaluationErrors > reported) {
        ctx.logger.warn({ component: ctx.id, evaluationErrors }, `${ctx.id}: ${evaluationErrors} filter condition evaluations failed`);
        reported = evaluationErrors;
      }
    },
  };
}

/** Drops (`drop:`) or keeps (`keep:`) records by CEL conditions over their name, attributes, resource and fields. */
export const filterProcessorFactory = defineProcessor<FilterConfig>({
  type: 'filter',
  signals: ['metrics', 'logs', 'traces'],
  schema: filterSchema,
  description: 'drops or keeps records matching CEL conditions',
  validate: validateFilterConfig,
  create: createFilter,
});
