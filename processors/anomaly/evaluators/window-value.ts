/** The value of one key in one window: a count of events, or an aggregate of an attribute's numbers. */
import type { LogRecord } from '../../../core/signals';
import type { AGGREGATES } from '../rule-schema';

/** How the values of a window combine. */
export type Aggregate = (typeof AGGREGATES)[number];

/** What a window has seen of one key. */
export interface WindowValue {
  /** Values added. */
  n: number;
  sum: number;
  max: number;
  min: number;
  last: number;
}

/** An empty window. */
export function emptyWindowValue(): WindowValue {
  return { n: 0, sum: 0, max: -Infinity, min: Infinity, last: 0 };
}

/** Adds one value. */
export function addValue(w: WindowValue, x: number): void {
  w.n++;
  w.sum += x;
  if (x > w.max) w.max = x;
  if (x < w.min) w.min = x;
  w.last = x;
}

/** The window's value under `aggregate` (0 for an empty window). */
export function aggregateOf(w: WindowValue, aggregate: Aggregate): number {
  if (w.n === 0) return 0;
  switch (aggregate) {
    case 'sum': return w.sum;
    case 'max': return w.max;
    case 'min': return w.min;
    case 'mean': return w.sum / w.n;
    case 'last': return w.last;
  }
}

/**
 * What one matching event adds: 1 when the rule has no `value` field, else
 * the attribute's number (a bigint or a numeric string converted), or
 * undefined when it has none.
 */
export function eventValue(record: LogRecord, field: string | undefined): number | undefined {
  if (field === undefined) return 1;
  const v = record.attributes[field];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Rounds a statistic for an alert (6 significant digits). */
export function roundValue(x: number): number {
  return Number(x.toPrecision(6));
}
