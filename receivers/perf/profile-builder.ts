/**
 * Turns one interval's drained samples into a {@link Profile}: user stacks
 * symbolized against each process's mappings, kernel stacks against
 * /proc/kallsyms, one pprof sample per (thread, stack) with two values:
 * the sample count and the CPU time it stands for.
 */
import type { HrTime } from '../../core/signals';
import type { Profile, ProfileSample } from '../../core/profile/types';
import type { Frame, Symbolizer } from '../../core/symbolize/types';
import type { DrainedSamples } from './drain';

/** The sample types of a CPU profile: pprof's `samples/count` and `cpu/nanoseconds`. */
export const CPU_SAMPLE_TYPES = [
  { type: 'samples', unit: 'count' },
  { type: 'cpu', unit: 'nanoseconds' },
];

/** What a profile needs besides the samples. */
export interface ProfileWindow {
  /** Samples per second per CPU: one sample stands for 1e9 / frequency ns of CPU. */
  frequency: number;
  startTime: HrTime;
  durationNs: number;
}

/** Builds the interval's profile (leaf first: kernel frames, then user frames). */
export function buildCpuProfile(drained: DrainedSamples, symbolizer: Symbolizer, window: ProfileWindow): Profile {
  const period = 1e9 / window.frequency;
  const userFrames = new Map<string, Frame[]>();
  const kernelFrames = new Map<number, Frame[]>();
  const samples: ProfileSample[] = [];
  for (const e of drained.entries) {
    let user: Frame[] = [];
    if (e.userStackId >= 0) {
      // The same stack id names the same addresses, but symbols depend on the process.
      const cacheKey = `${e.tgid}:${e.userStackId}`;
      let frames = userFrames.get(cacheKey);
      const ips = drained.stacks.get(e.userStackId);
      if (!frames && ips) {
        frames = symbolizer.symbolizeUser(e.tgid, ips);
        userFrames.set(cacheKey, frames);
      }
      user = frames ?? [];
    }
    let kernel: Frame[] = [];
    if (e.kernelStackId >= 0) {
      let frames = kernelFrames.get(e.kernelStackId);
      const ips = drained.stacks.get(e.kernelStackId);
      if (!frames && ips) {
        frames = symbolizer.symbolizeKernel(ips);
        kernelFrames.set(e.kernelStackId, frames);
      }
      kernel = frames ?? [];
    }
    // Empty when both stacks were lost or not collected: the writers show the comm alone.
    const stack = [...kernel, ...user];
    samples.push({ stack, values: [e.count, e.count * period], labels: { pid: e.tgid, tid: e.tid, comm: e.comm } });
  }
  return {
    sampleTypes: CPU_SAMPLE_TYPES.map((t) => ({ ...t })),
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period,
    startTime: window.startTime,
    durationNs: window.durationNs,
    samples,
  };
}
