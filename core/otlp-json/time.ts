/** Exact conversion between {@link HrTime} and OTLP's decimal-string nanoseconds. */
import type { HrTime } from '../signals';

const NS_PER_S = 1_000_000_000n;

/** Whether a time is the zero time (OTLP "unset"). */
export function isZeroTime(t: HrTime): boolean {
  return t[0] === 0 && t[1] === 0;
}

/** Nanoseconds since the epoch as a BigInt, exactly. */
export function hrTimeToBigNanos(t: HrTime): bigint {
  const seconds = Math.floor(t[0]);
  const extraNs = Math.round((t[0] - seconds) * 1e9);
  return BigInt(seconds) * NS_PER_S + BigInt(Math.round(t[1]) + extraNs);
}

/** `[s, ns]` to the decimal-string nanoseconds OTLP/JSON uses for fixed64 times. */
export function hrTimeToNanos(t: HrTime): string {
  return hrTimeToBigNanos(t).toString();
}

/**
 * Decimal-string (or number, or BigInt) nanoseconds to `[s, ns]`, exactly.
 * Throws on anything that is not a non-negative integer.
 */
export function nanosToHrTime(value: unknown): HrTime {
  let ns: bigint;
  if (typeof value === 'string' && /^\d+$/.test(value)) ns = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) ns = BigInt(value);
  else if (typeof value === 'bigint' && value >= 0n) ns = value;
  else throw new Error(`expected nanoseconds as a decimal string, got ${JSON.stringify(String(value))}`);
  return [Number(ns / NS_PER_S), Number(ns % NS_PER_S)];
}
