/**
 * A shortcut for conditions that can only hold for some event names: most
 * rules start with `name == "file.open" && ...`. The names a condition
 * requires are read off its syntax tree; the guarded condition answers
 * `false` at once for a log record with another event name (exactly what the
 * condition would give: CEL's `false && x` is false even when `x` fails).
 */
import type { CompiledExpression } from '../../core/expression';
import { expressionEnvironment } from '../../core/expression/environment';
import type { LogRecord } from '../../core/signals';

interface Node {
  op: string;
  args: unknown;
}

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && typeof (x as Node).op === 'string';
}

const isNameId = (n: unknown): boolean => isNode(n) && n.op === 'id' && n.args === 'name';
const stringValue = (n: unknown): string | undefined => (isNode(n) && n.op === 'value' && typeof n.args === 'string' ? n.args : undefined);

/** The event names a condition requires, or undefined when it may hold for any name. */
export function requiredEventNames(node: unknown): Set<string> | undefined {
  if (!isNode(node) || !Array.isArray(node.args)) return undefined;
  const [left, right] = node.args as unknown[];
  switch (node.op) {
    case '&&': {
      const a = requiredEventNames(left);
      const b = requiredEventNames(right);
      if (a && b) return new Set([...a].filter((x) => b.has(x)));
      return a ?? b;
    }
    case '||': {
      const a = requiredEventNames(left);
      const b = requiredEventNames(right);
      return a && b ? new Set([...a, ...b]) : undefined;
    }
    case '==': {
      const value = isNameId(left) ? stringValue(right) : isNameId(right) ? stringValue(left) : undefined;
      return value === undefined ? undefined : new Set([value]);
    }
    case 'in': {
      if (!isNameId(left) || !isNode(right) || right.op !== 'list' || !Array.isArray(right.args)) return undefined;
      const values = (right.args as unknown[]).map(stringValue);
      return values.every((v) => v !== undefined) ? new Set(values as string[]) : undefined;
    }
    default:
      return undefined;
  }
}

/** The condition, answering false at once on log records whose event name it cannot match. */
export function guardByEventName(condition: CompiledExpression, source: string): CompiledExpression {
  let names: Set<string> | undefined;
  try {
    names = requiredEventNames(expressionEnvironment().parse(source).ast);
  } catch {
    return condition;
  }
  if (!names) return condition;
  const required = names;
  return {
    source: condition.source,
    resultType: condition.resultType,
    evaluate(record, signal) {
      if (signal === 'logs' && !required.has((record as LogRecord).eventName ?? '')) return false;
      return condition.evaluate(record, signal);
    },
  };
}
