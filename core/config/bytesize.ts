/** Byte sizes in config values: `64MiB`, `10MB`, `512`, `1.5 GiB`. */

/** Bytes per unit, keyed by lower-case unit. SI units are powers of 1000, IEC units powers of 1024. */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const BYTE_SIZE = /^(\d+(?:\.\d*)?|\.\d+) ?([a-zA-Z]+)?$/;

/** What a valid byte size looks like, for error messages. */
export const BYTE_SIZE_EXAMPLES = 'a size like 64MiB, 10MB or a number of bytes (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)';

/**
 * Parses a byte size into a whole number of bytes (rounded down).
 * A number, or a string holding only a number, is taken as bytes. Units are
 * case-insensitive. Throws an `Error` naming the bad text when it is not a size.
 */
export function parseByteSize(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return Math.floor(text);
    throw new Error(`invalid byte size ${text}: must be a finite number of bytes >= 0`);
  }
  const bytes = tryParseByteSize(text);
  if (bytes === undefined) throw new Error(`invalid byte size "${text}": expected ${BYTE_SIZE_EXAMPLES}`);
  return bytes;
}

/** Like {@link parseByteSize} for strings, but returns `undefined` instead of throwing. */
export function tryParseByteSize(text: string): number | undefined {
  const match = BYTE_SIZE.exec(text);
  if (!match) return undefined;
  const factor = match[2] === undefined ? 1 : UNIT_BYTES[match[2].toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.floor(Number(match[1]) * factor);
}
