/**
 * The profile model the perf and alloc receivers build and the writers in
 * this folder turn into files: pprof (gzipped profile.proto), folded stacks
 * and a self-contained flame graph HTML page.
 */
import type { HrTime } from '../signals';
import type { Frame } from '../symbolize/types';

/** A sample's value kind, as pprof's ValueType: `samples`/`count`, `cpu`/`nanoseconds`, `inuse_space`/`bytes`. */
export interface ValueType {
  type: string;
  unit: string;
}

/** Labels of a sample (pprof string and numeric labels). */
export interface SampleLabels {
  pid?: number;
  tid?: number;
  comm?: string;
}

/** One sample: a stack and its values (one per {@link Profile.sampleTypes} entry). */
export interface ProfileSample {
  /** Leaf first (the function that was running first, `main` last), as in pprof. */
  stack: Frame[];
  values: number[];
  labels?: SampleLabels;
}

/** A profile over one interval. */
export interface Profile {
  sampleTypes: ValueType[];
  /** What one sample stands for (`cpu`/`nanoseconds` with `period` = 1e9 / frequency). */
  periodType?: ValueType;
  period?: number;
  startTime: HrTime;
  durationNs: number;
  samples: ProfileSample[];
}

/** The file formats a profile is written in. */
export type ProfileFormat = 'pprof' | 'folded' | 'html';

/** Where and how a receiver writes its profiles: the `profiles` block of the perf and alloc configs. */
export interface ProfileOutputConfig {
  /** Folder the files go to (created if missing). */
  directory: string;
  /** Formats to write each interval. */
  formats: ProfileFormat[];
  /** At most this many files per format are kept (the oldest are deleted). */
  max_files: number;
}
