/**
 * The CEL environment every pipeline expression is compiled in: the record
 * variables, the span-kind constants, the lookup function that makes a
 * missing attribute read as `null`, and ordering operators (`<`, `<=`, `>`,
 * `>=`) that are false when one side is `null`, so `attributes["x"] > 3` is
 * simply false when `x` is absent. Likewise `startsWith`, `endsWith`,
 * `contains`, `matches` on `null` and `x in null` are false.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { AttributeValue } from '../signals';
import { toCelValue } from './values';

/** Name of the internal function that attribute lookups are rewritten to. */
export const LOOKUP_FUNCTION = '__lookup';

/** The variables an expression can use, with their CEL types. */
export const EXPRESSION_VARIABLES: Readonly<Record<string, string>> = {
  name: 'string',
  attributes: 'map<string, dyn>',
  resource: 'map<string, dyn>',
  signal: 'string',
  body: 'dyn',
  severity: 'dyn',
  severity_text: 'dyn',
  kind: 'dyn',
  metric_type: 'dyn',
  value: 'dyn',
};

/** Span kind constants, numbered as in `@opentelemetry/api`. */
export const SPAN_KIND_CONSTANTS: Readonly<Record<string, bigint>> = {
  SPAN_KIND_INTERNAL: 0n,
  SPAN_KIND_SERVER: 1n,
  SPAN_KIND_CLIENT: 2n,
  SPAN_KIND_PRODUCER: 3n,
  SPAN_KIND_CONSUMER: 4n,
};

const hasOwn = Object.prototype.hasOwnProperty;

/** Reads one attribute: `null` when absent, integer-valued numbers as CEL ints. */
function lookup(map: Record<string, AttributeValue> | Map<string, AttributeValue>, key: string): unknown {
  const value = map instanceof Map ? map.get(key) : hasOwn.call(map, key) ? map[key] : undefined;
  return toCelValue(value);
}

/** Ordering operators that are false, not an error, when one side is `null` (a missing attribute). */
const ORDERING_OPERATORS = ['<', '<=', '>', '>='] as const;
const ORDERED_TYPES = ['int', 'uint', 'double', 'string'] as const;
const alwaysFalse = (): boolean => false;

/** String methods that are false, not an error, on `null` (a missing attribute): `attributes["x"].startsWith("/")`. */
const NULL_SAFE_STRING_METHODS = ['startsWith', 'endsWith', 'contains', 'matches'] as const;

let shared: Environment | undefined;

/** The shared environment (created once: building one is expensive). */
export function expressionEnvironment(): Environment {
  if (shared) return shared;
  const env = new Environment({ homogeneousAggregateLiterals: false });
  for (const [name, type] of Object.entries(EXPRESSION_VARIABLES)) env.registerVariable(name, type);
  for (const [name, value] of Object.entries(SPAN_KIND_CONSTANTS)) env.registerConstant(name, 'int', value);
  for (const op of ORDERING_OPERATORS) {
    for (const type of ORDERED_TYPES) {
      env.registerOperator(`null ${op} ${type}`, alwaysFalse);
      env.registerOperator(`${type} ${op} null`, alwaysFalse);
    }
  }
  for (const method of NULL_SAFE_STRING_METHODS) env.registerFunction(`null.${method}(string): bool`, alwaysFalse);
  env.registerOperator('string in null', alwaysFalse);
  env.registerOperator('int in null', alwaysFalse);
  env.registerFunction(`${LOOKUP_FUNCTION}(map<string, dyn>, string): dyn`, lookup);
  shared = env;
  return env;
}
