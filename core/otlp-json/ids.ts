/** Trace and span ids: lowercase hex in OTLP/JSON (not base64, unlike plain proto3 JSON). */

const HEX = /^[0-9a-fA-F]*$/;

/**
 * An id as lowercase hex. Accepts hex of any case; a base64 id of the
 * expected byte length (as some non-OTLP encoders write) is converted.
 * `''` when absent.
 */
export function decodeId(value: unknown, bytes: number, path: string): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string') throw new Error(`${path}: expected a hex string`);
  if (value.length === bytes * 2 && HEX.test(value)) return value.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const raw = Buffer.from(value, 'base64');
    if (raw.length === bytes) return raw.toString('hex');
  }
  throw new Error(`${path}: expected ${bytes * 2} hex characters`);
}
