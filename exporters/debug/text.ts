/** Small text renderings shared by the debug exporter's formats. */
import type { AttributeValue, Attributes, HrTime, SeverityNumber } from '../../core/signals';
import { hrTimeToBigNanos } from '../../core/otlp-json';

/** An attribute value, compact: strings bare, arrays `[a,b]`, maps `{k=v}`. */
export function compactValue(value: AttributeValue): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(compactValue).join(',')}]`;
  if (typeof value === 'object') return compactAttributes(value) || '{}';
  return String(value);
}

/** Attributes as `{k=v,k2=v2}` in key order; `''` when there are none. */
export function compactAttributes(attributes: Attributes | undefined): string {
  if (!attributes) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) parts.push(`${key}=${compactValue(value)}`);
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

const SEVERITY_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** `INFO` for 9, `INFO2` for 10 ... `FATAL4` for 24; `UNSPECIFIED` for 0 or out of range. */
export function severityName(n: SeverityNumber | undefined): string {
  if (!n || n < 1 || n > 24) return 'UNSPECIFIED';
  const level = SEVERITY_LEVELS[Math.floor((n - 1) / 4)];
  const step = (n - 1) % 4;
  return step === 0 ? level : `${level}${step + 1}`;
}

/** A duration in nanoseconds as Go prints it: `750ns`, `12.5µs`, `1.5ms`, `2s`. */
export function formatDuration(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  if (abs < 1_000n) return `${sign}${abs}ns`;
  if (abs < 1_000_000n) return `${sign}${Number(abs) / 1e3}µs`;
  if (abs < 1_000_000_000n) return `${sign}${Number(abs) / 1e6}ms`;
  return `${sign}${Number(abs) / 1e9}s`;
}

/** The time between two HrTimes, as {@link formatDuration}. */
export function formatElapsed(start: HrTime, end: HrTime): string {
  return formatDuration(hrTimeToBigNanos(end) - hrTimeToBigNanos(start));
}

/** Decimal-string nanoseconds as Go's `time.Time.String()` in UTC: `2024-05-01 12:00:10.5 +0000 UTC`. */
export function formatTimestamp(nanos: string | undefined): string {
  const ns = BigInt(nanos ?? '0');
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const iso = new Date(Number(seconds) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}
