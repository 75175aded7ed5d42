/** A text key for an attribute set, for maps of series. */
import type { Attributes } from './signals';

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The same text for the same attributes in any key order, and different text
 * for different ones: keys and values are written as JSON, numbers after `=`
 * and bigints after `#` (so `1`, `"1"` and `1n` differ, as they do in OTLP),
 * and no value can forge a boundary. Only a bigint nested in an array or map
 * is written as its decimal string.
 */
export function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes);
  if (keys.length > 1) keys.sort();
  let key = '';
  for (const k of keys) {
    const v = attributes[k];
    const name = JSON.stringify(k);
    if (typeof v === 'number') key += `${name}=${v};`;
    else if (typeof v === 'bigint') key += `${name}#${v};`;
    else key += `${name}:${JSON.stringify(v, bigintAsText) ?? 'undefined'};`;
  }
  return key;
}
