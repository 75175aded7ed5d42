/**
 * CEL expressions over pipeline records, shared by the `filter` processor and
 * rule-based processors. Compile once with {@link compileExpression}, then
 * evaluate per record.
 */
export { compileExpression } from './compile';
export type { CompiledExpression } from './compile';
export { ExpressionError, locate } from './errors';
export type { ExpressionErrorPhase, ExpressionPosition } from './errors';
export { EXPRESSION_VARIABLES, SPAN_KIND_CONSTANTS } from './environment';
export type { AnyRecord } from './record-view';
