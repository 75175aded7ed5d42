/**
 * Attribute conversion from pipeline records to OpenTelemetry JS values.
 *
 * The pipeline allows `bigint` and `null` values; the OpenTelemetry API does
 * not. A `bigint` becomes a number when it is a safe integer, otherwise its
 * decimal string. `null`/`undefined` map entries are left out. Nested maps
 * and arrays are kept (OTLP carries them as `kvlistValue`/`arrayValue`).
 */
import type { Attributes as ApiAttributes } from '@opentelemetry/api';
import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import type { AttributeValue, Attributes } from '../../core/signals';

/** Converts one attribute value to an OpenTelemetry `AnyValue`. */
export function toAnyValue(value: AttributeValue): AnyValue {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(toAnyValue);
  if (value !== null && typeof value === 'object') return toAnyValueMap(value);
  return value;
}

/** Converts an attribute map to an OpenTelemetry `AnyValueMap` (log attributes), dropping null/undefined entries. */
export function toAnyValueMap(attributes: Attributes): AnyValueMap {
  const out: AnyValueMap = {};
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === null || value === undefined) continue;
    out[key] = toAnyValue(value);
  }
  return out;
}

/**
 * Converts an attribute map to API `Attributes` (spans, metric points).
 * Nested maps pass through unchanged in shape: the OTLP serializer encodes
 * them as `kvlistValue` although the API type does not list them.
 */
export function toApiAttributes(attributes: Attributes): ApiAttributes {
  return toAnyValueMap(attributes) as ApiAttributes;
}
