/**
 * Turns one interval's samples into a {@link Profile}: user stacks
 * symbolized against each process's mappings, kernel stacks against
 * /proc/kallsyms, one pprof sample per (thread, stack) with two values:
 * the sample count and the CPU time it stands for.
 */
import type { HrTime } from '../../core/signals';
import type { Profile, ProfileSample } from '../../core/profile/types';
import type { Frame, Symbolizer } from '../../core/symbolize/types';
import type { StackSample } from './pending';

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
export function buildCpuProfile(stackSamples: readonly StackSample[], symbolizer: Symbolizer, window: ProfileWindow): Profile {
  const period = 1e9 / window.frequency;
  // The same addresses name the same frames within a process (user) or at all (kernel).
  const userFrames = new Map<number, Map<bigint[], Frame[]>>();
  const kernelFrames = new Map<bigint[], Frame[]>();
  const samples: ProfileSample[] = [];
  for (const s of stackSamples) {
    let user: Frame[] = [];
    if (s.user.length > 0) {
      let byStack = userFrames.get(s.tgid);
      if (!byStack) userFrames.set(s.tgid, (byStack = new Map()));
      user = byStack.get(s.user) ?? symbolizer.symbolizeUser(s.tgid, s.user);
      byStack.set(s.user, user);
    }
    let kernel: Frame[] = [];
    if (s.kernel.length > 0) {
      kernel = kernelFrames.get(s.kernel) ?? symbolizer.symbolizeKernel(s.kernel);
      kernelFrames.set(s.kernel, kernel);
    }
    // Empty when both stacks were lost or not collected: the writers show the comm alone.
    samples.push({ stack: [...kernel, ...user], values: [s.count, s.count * period], labels: { pid: s.tgid, tid: s.tid, comm: s.comm } });
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
