/** Attribute values to and from OTLP `AnyValue` / `KeyValue` lists. */
import type { AttributeValue, Attributes } from '../signals';
import type { OtlpAnyValue, OtlpKeyValue } from './types';
import { asArray, asBigInt, asDouble, asObject, asString, encodeDouble } from './shape';

const INT64_LIMIT = 2 ** 63;

/**
 * One attribute value as an `AnyValue`. Integral numbers become `intValue`,
 * other numbers `doubleValue` (JS cannot tell `1.0` from `1`); bigints become
 * `intValue`; objects `kvlistValue`; `null` the empty value `{}`.
 */
export function encodeAnyValue(value: AttributeValue): OtlpAnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value.toString() };
    case 'number':
      if (Number.isInteger(value) && Math.abs(value) < INT64_LIMIT) return { intValue: BigInt(value).toString() };
      return { doubleValue: encodeDouble(value) };
    default:
      if (value === null || value === undefined) return {};
      if (Array.isArray(value)) return { arrayValue: { values: value.map(encodeAnyValue) } };
      return { kvlistValue: { values: encodeAttributes(value) } };
  }
}

/** Attributes as a `KeyValue` list, in key order; `undefined` values are left out. */
export function encodeAttributes(attributes: Attributes): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value !== undefined) out.push({ key, value: encodeAnyValue(value) });
  }
  return out;
}

/**
 * An `AnyValue` as an attribute value. `intValue` becomes a number, or a
 * bigint beyond 2^53; `bytesValue` stays its base64 string; `{}` is `null`.
 */
export function decodeAnyValue(json: unknown, path: string): AttributeValue {
  const v = asObject(json, path);
  if (v.stringValue !== undefined) return asString(v.stringValue, `${path}.stringValue`);
  if (v.intValue !== undefined) {
    const n = asBigInt(v.intValue, `${path}.intValue`);
    const small = Number(n);
    return Number.isSafeInteger(small) ? small : n;
  }
  if (v.doubleValue !== undefined) return asDouble(v.doubleValue, `${path}.doubleValue`);
  if (v.boolValue !== undefined) {
    if (typeof v.boolValue !== 'boolean') throw new Error(`${path}.boolValue: expected a boolean`);
    return v.boolValue;
  }
  if (v.arrayValue !== undefined) {
    const values = asArray(asObject(v.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return values.map((item, i) => decodeAnyValue(item, `${path}.arrayValue.values[${i}]`));
  }
  if (v.kvlistValue !== undefined) {
    return decodeAttributes(asObject(v.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`);
  }
  if (v.bytesValue !== undefined) return asString(v.bytesValue, `${path}.bytesValue`);
  return null;
}

/** A `KeyValue` list (absent means empty) as attributes. */
export function decodeAttributes(json: unknown, path: string): Attributes {
  const out: Attributes = {};
  asArray(json, path).forEach((item, i) => {
    const kv = asObject(item, `${path}[${i}]`);
    const key = asString(kv.key, `${path}[${i}].key`);
    out[key] = kv.value === undefined || kv.value === null ? null : decodeAnyValue(kv.value, `${path}[${i}].value`);
  });
  return out;
}
