/**
 * The kernel's log2 histograms (bits.bpf.h: slot i counts values in
 * [2^i, 2^(i+1)), the last slot is open-ended), read from `__u64 slots[N]`
 * map values and turned into OpenTelemetry histogram values.
 */
import type { HistogramValue } from '../signals';
import { readU64 } from './bpf-records';

/**
 * Upper bounds of the buckets of an `nSlots` log2 histogram, in a unit that
 * is `perUnit` of the kernel's (1e9 for ns read as seconds): bound i is
 * 2^(i+1) kernel units; the last slot is the overflow bucket (no bound).
 */
export function log2Bounds(nSlots: number, perUnit: number): number[] {
  return Array.from({ length: nSlots - 1 }, (_, i) => 2 ** (i + 1) / perUnit);
}

/** `n` slots at zero. */
export function emptySlots(n: number): number[] {
  return new Array<number>(n).fill(0);
}

/** Adds the `into.length` `__u64` slots at `offset` of `buf` (one CPU's array) to `into`. */
export function addSlots(into: number[], buf: Buffer, offset: number): void {
  for (let i = 0; i < into.length; i++) into[i] += readU64(buf, offset + 8 * i);
}

/** The number of values a histogram's slots hold. */
export function slotsTotal(slots: readonly number[]): number {
  let total = 0;
  for (const n of slots) total += n;
  return total;
}

/** A histogram value of log2 `slots` (copied) with `bounds` and the values' `sum`; its count is the slots' total. */
export function log2Histogram(bounds: readonly number[], slots: readonly number[], sum: number): HistogramValue {
  return { bounds: bounds as number[], counts: [...slots], sum, count: slotsTotal(slots) };
}

/** Adds `from` (same bounds) into `into`: counts, sum and count. */
export function addHistogram(into: HistogramValue, from: HistogramValue): void {
  for (let i = 0; i < into.counts.length; i++) into.counts[i] += from.counts[i] ?? 0;
  into.sum += from.sum;
  into.count += from.count;
}
