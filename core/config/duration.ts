/**
 * Durations in config values: `250ms`, `1.5s`, `5m`, `1h30m`, `10us`, `100ns`,
 * or a plain number of milliseconds.
 */

/** Nanoseconds per unit (summed in ns, divided once, so `100ns` is exactly `0.0001` ms). `µs` (micro sign) and `μs` (Greek mu) are both accepted. */
const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const PLAIN_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** What a valid duration looks like, for error messages. */
export const DURATION_EXAMPLES = 'a duration like 250ms, 1.5s, 5m or 1h30m (units ns, us, ms, s, m, h)';

/**
 * Parses a duration into milliseconds (fractions allowed: `100ns` is `0.0001`).
 * A number, or a string holding only a number, is taken as milliseconds.
 * Throws an `Error` naming the bad text when it is not a duration.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text;
    throw new Error(`invalid duration ${text}: must be a finite number of milliseconds >= 0`);
  }
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new Error(`invalid duration "${text}": expected ${DURATION_EXAMPLES}`);
  return ms;
}

/** Like {@link parseDuration} for strings, but returns `undefined` instead of throwing. */
export function tryParseDuration(text: string): number | undefined {
  if (PLAIN_NUMBER.test(text)) return Number(text);
  if (text === '') return undefined;
  let totalNs = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return undefined;
    totalNs += Number(match[1]) * UNIT_NS[match[2]];
  }
  return totalNs / 1e6;
}
