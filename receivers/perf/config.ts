/** Config of the `perf` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { MAX_SERIES_SCHEMA } from '../../core/cardinality';
import {
  CGROUP_SCHEMA, DEFAULT_COLLECTION_INTERVAL, collectionIntervalSchema, commsSchema, maxEntriesSchema, pidsSchema,
} from '../../core/kernel/receiver-config';
import { profileOutputSchema } from '../../core/profile/output';

/** Default sampling frequency, per CPU (49 Hz: off the beat of 50/100 Hz timers, ~1 sample per 20 ms). */
export const DEFAULT_FREQUENCY = 49;
/** Highest sampling frequency accepted. */
export const MAX_FREQUENCY = 10000;
/** Default interval between two profiles (the kernel maps are drained then). */
export { DEFAULT_COLLECTION_INTERVAL };
/** Default: kernel stacks are collected too. */
export const DEFAULT_INCLUDE_KERNEL = true;
/** Default: the idle task (pid 0) is not sampled. */
export const DEFAULT_INCLUDE_IDLE = false;
/** Default capacity of each counts map (distinct thread+stack keys per interval) and of the stack map. */
export const DEFAULT_MAX_ENTRIES = 10240;
/** Most pids, and most comms, the kernel-side filters hold (PERF_MAX_FILTER in bpf/perf.h). */
export const MAX_FILTER_ENTRIES = 1024;

/** JSON Schema of the config. */
export const perfSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    frequency: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_FREQUENCY,
      default: DEFAULT_FREQUENCY,
      description: 'Samples per second on every CPU (software cpu-clock perf event).',
    },
    collection_interval: collectionIntervalSchema(
      DEFAULT_COLLECTION_INTERVAL,
      'How often the samples are drained from the kernel, written as one profile and emitted as metrics.',
    ),
    pids: pidsSchema(MAX_FILTER_ENTRIES),
    comms: commsSchema(MAX_FILTER_ENTRIES),
    cgroup: CGROUP_SCHEMA,
    include_kernel: {
      type: 'boolean',
      default: DEFAULT_INCLUDE_KERNEL,
      description: 'Collect the kernel part of each stack (samples taken in kernel mode), symbolized from /proc/kallsyms.',
    },
    include_idle: {
      type: 'boolean',
      default: DEFAULT_INCLUDE_IDLE,
      description: 'Sample the idle task (pid 0) too: idle CPU time shows as `swapper` stacks.',
    },
    max_entries: maxEntriesSchema(
      DEFAULT_MAX_ENTRIES,
      'Distinct (thread, stack) keys the kernel holds per interval, and stacks the stack map holds; samples of new keys beyond it are counted as dropped (`map_full`).',
      { minimum: 16 },
    ),
    profiles: { ...profileOutputSchema, default: {} },
    max_series: MAX_SERIES_SCHEMA,
  },
} as const satisfies JSONSchema;

/** Validated config of the `perf` receiver. */
export type PerfConfig = FromSchema<typeof perfSchema>;
