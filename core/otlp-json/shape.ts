/**
 * Checks for untrusted OTLP/JSON input. Each returns the typed value or
 * throws an Error naming the JSON path (e.g. `resourceMetrics[0].resource`).
 */

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** `value` as an object; throws when it is anything else. */
export function asObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path}: expected an object`);
  }
  return value as JsonObject;
}

/** `value` as an object; `{}` when absent. */
export function asOptionalObject(value: unknown, path: string): JsonObject {
  return value === undefined || value === null ? {} : asObject(value, path);
}

/** `value` as an array; `[]` when absent (proto3 JSON omits empty repeated fields). */
export function asArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${path}: expected an array`);
  return value;
}

/** `value` as a string; `''` when absent. */
export function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new Error(`${path}: expected a string`);
  return value;
}

/** An int64/uint64 field (decimal string or number) as a BigInt; `0n` when absent. */
export function asBigInt(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new Error(`${path}: expected an integer (decimal string or number)`);
}

/** An int64/uint64 field as a JS number (precision beyond 2^53 is lost); 0 when absent. */
export function asInteger(value: unknown, path: string): number {
  return Number(asBigInt(value, path));
}

/** A double field: a number, `"NaN"`, `"Infinity"`, `"-Infinity"` or a numeric string; 0 when absent. */
export function asDouble(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    const n = Number(value);
    if (value.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new Error(`${path}: expected a number`);
}

/** A double as proto3 JSON writes it: a number, or a string for NaN and the infinities. */
export function encodeDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** An integer as an int64 decimal string (rounded when the number has a fraction). */
export function encodeInt(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  return Number.isFinite(value) ? BigInt(Math.round(value)).toString() : '0';
}

/**
 * An enum field: an integer, or its proto name (`"SPAN_KIND_SERVER"`) looked
 * up in `names` (index = value); 0 when absent.
 */
export function asEnum(value: unknown, names: readonly string[], path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const i = names.indexOf(value);
    if (i >= 0) return i;
  }
  throw new Error(`${path}: unknown enum value ${JSON.stringify(value)}`);
}
