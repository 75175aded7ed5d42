/**
 * Rule exceptions, Falco-style: `fields` compared with `comps` against each
 * tuple of `values`; an event matching any tuple does not raise the rule.
 */
import type { AttributeValue, Attributes } from '../../core/signals';
import type { ListValue } from './expand';
import type { RuleException } from './rule-schema';

/** A comparison of one field. */
export type Comparison = '=' | '!=' | 'startswith' | 'endswith' | 'contains' | 'in';

/** Whether an event's attributes match the exception (and so do not alert). */
export type ExceptionMatcher = (attributes: Attributes) => boolean;

type FieldTest = (value: AttributeValue) => boolean;

function text(value: AttributeValue): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return undefined;
  return String(value);
}

function same(value: AttributeValue, expected: ListValue): boolean {
  if (typeof value === 'number' && typeof expected === 'number') return value === expected;
  return text(value) === String(expected);
}

function fieldTest(comp: Comparison, expected: unknown, lists: ReadonlyMap<string, readonly ListValue[]>): FieldTest {
  switch (comp) {
    case '=': return (v) => same(v, expected as ListValue);
    case '!=': return (v) => !same(v, expected as ListValue);
    case 'startswith': return (v) => text(v)?.startsWith(String(expected)) ?? false;
    case 'endswith': return (v) => text(v)?.endsWith(String(expected)) ?? false;
    case 'contains': return (v) => text(v)?.includes(String(expected)) ?? false;
    case 'in': {
      const values = typeof expected === 'string' ? lists.get(expected) ?? [] : (expected as ListValue[]);
      return (v) => values.some((e) => same(v, e));
    }
  }
}

/**
 * Checks an exception and builds its matcher. Returns the problem text
 * instead when a tuple has the wrong length or a value the comparison cannot
 * use (`in` takes a list, or the name of a list).
 */
export function compileException(
  exception: RuleException,
  lists: ReadonlyMap<string, readonly ListValue[]>,
): { matcher: ExceptionMatcher } | { problem: string } {
  const { fields } = exception;
  const comps = (exception.comps ?? fields.map(() => '=')) as Comparison[];
  if (comps.length !== fields.length) return { problem: `exception "${exception.name}": comps has ${comps.length} entries for ${fields.length} fields` };
  const tuples: ((attributes: Attributes) => boolean)[] = [];
  for (const [i, raw] of exception.values.entries()) {
    const tuple = fields.length === 1 && !Array.isArray(raw) ? [raw] : raw;
    if (!Array.isArray(tuple) || tuple.length !== fields.length) {
      return { problem: `exception "${exception.name}": values[${i}] must be a list of ${fields.length} values (one per field: ${fields.join(', ')})` };
    }
    const tests: FieldTest[] = [];
    for (const [j, expected] of tuple.entries()) {
      const comp = comps[j];
      const isScalar = ['string', 'number', 'boolean'].includes(typeof expected);
      if (comp === 'in') {
        const ok = (typeof expected === 'string' && lists.has(expected)) || (Array.isArray(expected) && expected.every((e) => ['string', 'number', 'boolean'].includes(typeof e)));
        if (!ok) return { problem: `exception "${exception.name}": values[${i}][${j}] must be a list of values or the name of a list for "in"` };
      } else if (!isScalar) {
        return { problem: `exception "${exception.name}": values[${i}][${j}] must be a string, number or boolean` };
      }
      tests.push(fieldTest(comp, expected, lists));
    }
    tuples.push((attributes) => tests.every((test, k) => test(attributes[fields[k]])));
  }
  return { matcher: (attributes) => tuples.some((match) => match(attributes)) };
}
