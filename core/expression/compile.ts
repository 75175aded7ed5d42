/** Compiling CEL expressions once, evaluating them per record. */
import type { Signal } from '../signals';
import { ExpressionError, type ExpressionErrorPhase } from './errors';
import { expressionEnvironment } from './environment';
import { RecordView, type AnyRecord } from './record-view';
import { originalOffset, rewriteLookups, type Replacement } from './rewrite';

/** A compiled expression, ready to evaluate over records. */
export interface CompiledExpression {
  /** The expression as written. */
  readonly source: string;
  /** The CEL type the expression produces (`bool`, `int`, `dyn`, ...). */
  readonly resultType: string;
  /**
   * Evaluates the expression over one record. Ints come back as `bigint`.
   * Throws an {@link ExpressionError} (phase `evaluate`) when evaluation fails,
   * e.g. comparing a string attribute with `<` to an int.
   * Not re-entrant: do not call it from inside a custom CEL function.
   */
  evaluate(record: AnyRecord, signal: Signal): unknown;
}

interface CelError {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

function toExpressionError(source: string, err: unknown, phase: ExpressionErrorPhase, replacements?: readonly Replacement[]): ExpressionError {
  const e = (err ?? {}) as CelError;
  let position = e.range?.start ?? 0;
  if (replacements) position = originalOffset(position, replacements);
  return new ExpressionError({
    expression: source,
    position,
    summary: e.summary ?? e.message ?? String(err),
    code: e.code ?? 'error',
    phase,
    cause: err,
  });
}

/**
 * Compiles (parses and type-checks) a CEL expression over the record
 * variables `name`, `attributes`, `resource`, `body`, `severity`,
 * `severity_text`, `kind`, `metric_type`, `value` and `signal`.
 *
 * A missing attribute reads as `null`: `attributes["x"] == "y"` is false
 * when `x` is absent. Integer-valued numbers read as CEL ints.
 *
 * @throws ExpressionError when the expression does not parse or type-check,
 *   with the 0-based position of the problem.
 */
export function compileExpression(source: string): CompiledExpression {
  const env = expressionEnvironment();
  let parsed;
  try {
    parsed = env.parse(source);
  } catch (err) {
    throw toExpressionError(source, err, 'parse');
  }
  const checked = parsed.check();
  if (!checked.valid) throw toExpressionError(source, checked.error, 'check');

  // Evaluate a rewritten copy in which attribute lookups return null when absent.
  // If the rewrite ever fails to compile, plain CEL semantics remain
  // (a missing key is then an evaluation error).
  const rewrite = rewriteLookups(source, parsed.ast);
  let program = parsed;
  let replacements: Replacement[] = [];
  if (rewrite.source !== source) {
    try {
      const rewritten = env.parse(rewrite.source);
      if (rewritten.check().valid) {
        program = rewritten;
        replacements = rewrite.replacements;
      }
    } catch {
      // keep the original program
    }
  }

  const view = new RecordView({ attributes: {} } as AnyRecord, 'metrics');
  return {
    source,
    resultType: checked.type ?? 'dyn',
    evaluate(record: AnyRecord, signal: Signal): unknown {
      view.record = record;
      view.signal = signal;
      try {
        return program(view);
      } catch (err) {
        throw toExpressionError(source, err, 'evaluate', replacements);
      }
    },
  };
}
