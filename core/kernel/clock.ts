/** Kernel clock conversions. */
import type { HrTime } from '../signals';

/** Nanoseconds since the epoch as {@link HrTime}. */
export function nsToHrTime(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

/** The offset that turns CLOCK_MONOTONIC ns (`bpf_ktime_get_ns`, `process.hrtime`) into Unix-epoch ns. */
export function monotonicToWallOffset(): bigint {
  const mono = process.hrtime.bigint();
  const wall = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return wall - mono;
}
