/** Errors raised when a CEL expression does not compile or fails on a record. */

/** When the error happened. */
export type ExpressionErrorPhase = 'parse' | 'check' | 'evaluate';

/** Where an error points inside an expression. */
export interface ExpressionPosition {
  /** 0-based offset into the expression text. */
  position: number;
  /** 1-based line within the expression. */
  line: number;
  /** 1-based column within that line. */
  column: number;
}

/**
 * A CEL expression that failed to parse, to type-check, or to evaluate.
 * The message repeats the expression line with a caret under the position.
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  /** The whole expression text as written in the config. */
  readonly expression: string;
  /** 0-based offset of the error in {@link expression}. */
  readonly position: number;
  /** 1-based line of the error within the expression. */
  readonly line: number;
  /** 1-based column of the error within its line. */
  readonly column: number;
  /** The problem alone, without the expression excerpt. */
  readonly summary: string;
  /** The CEL error code (`unexpected_token`, `no_such_overload`, ...). */
  readonly code: string;
  /** Parse, type check, or evaluation. */
  readonly phase: ExpressionErrorPhase;

  constructor(options: {
    expression: string;
    position: number;
    summary: string;
    code: string;
    phase: ExpressionErrorPhase;
    cause?: unknown;
  }) {
    const where = locate(options.expression, options.position);
    super(formatMessage(options.summary, options.expression, where), { cause: options.cause });
    this.expression = options.expression;
    this.position = where.position;
    this.line = where.line;
    this.column = where.column;
    this.summary = options.summary;
    this.code = options.code;
    this.phase = options.phase;
  }
}

/** Clamps a 0-based offset into the expression and finds its line and column. */
export function locate(expression: string, offset: number): ExpressionPosition {
  const position = Math.max(0, Math.min(Number.isFinite(offset) ? offset : 0, expression.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position; i++) {
    if (expression.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { position, line, column: position - lineStart + 1 };
}

function formatMessage(summary: string, expression: string, where: ExpressionPosition): string {
  const lines = expression.split('\n');
  const text = lines[where.line - 1] ?? '';
  const at = lines.length > 1
    ? `at line ${where.line}, column ${where.column} (offset ${where.position})`
    : `at position ${where.position}`;
  return `${summary} ${at}:\n  ${text}\n  ${' '.repeat(where.column - 1)}^`;
}
