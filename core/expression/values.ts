/** Conversion of record values to CEL values. */

/**
 * Converts a record value for CEL: `undefined` becomes `null`, and a number
 * holding a safe integer becomes a `bigint` (a CEL `int`), so `== 42` and
 * `+ 1` behave as written. Other numbers stay doubles; everything else is
 * passed through unchanged.
 */
export function toCelValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return intOf(value);
  return value;
}

const SMALL_INTS: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));

/** A safe integer as a `bigint`, without allocating for 0..255. */
export function intOf(n: number): bigint {
  return n >= 0 && n < 256 ? SMALL_INTS[n] : BigInt(n);
}
