/** Attribute hashing as done by the Collector's attributes processor (`hash` action). */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '../../core/signals';

/**
 * SHA-256 of an attribute value, as lowercase hex, with the bytes the
 * Collector hashes: a string's UTF-8 bytes; a bool as one byte (1 or 0); an
 * int (a `bigint`, or a number holding a safe integer) as 8 bytes
 * little-endian two's complement; any other number as its 8-byte
 * little-endian IEEE 754 bits. Other values (lists, maps, null) hash to `""`,
 * as the Collector sets them to an empty string.
 */
export function hashAttributeValue(value: AttributeValue): string {
  let bytes: Buffer;
  switch (typeof value) {
    case 'string':
      bytes = Buffer.from(value, 'utf8');
      break;
    case 'boolean':
      bytes = Buffer.from([value ? 1 : 0]);
      break;
    case 'bigint':
      bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(BigInt.asUintN(64, value));
      break;
    case 'number':
      bytes = Buffer.alloc(8);
      if (Number.isSafeInteger(value)) bytes.writeBigInt64LE(BigInt(value));
      else bytes.writeDoubleLE(value);
      break;
    default:
      return '';
  }
  return createHash('sha256').update(bytes).digest('hex');
}
