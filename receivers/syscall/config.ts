/** Config of the `syscall` receiver. */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import {
  CGROUP_SCHEMA, COLLECTION_INTERVAL_SCHEMA, DEFAULT_COLLECTION_INTERVAL, commsSchema, maxEntriesSchema, pidsSchema,
} from '../../core/kernel/receiver-config';

/** Default interval between two reads of the kernel maps. */
export { DEFAULT_COLLECTION_INTERVAL };
/** Default: series are keyed by syscall only, not by process. */
export const DEFAULT_PER_PROCESS = false;
/** Default: latency histograms (`syscall.duration`) are collected. */
export const DEFAULT_LATENCY = true;
/** Default: only failed calls are counted when true. */
export const DEFAULT_FAILED_ONLY = false;
/** Default: slow-call spans are off. */
export const DEFAULT_SLOW_THRESHOLD = '0s';
/** Default capacity of the kernel maps `hists` and `errors`, in series. */
export const DEFAULT_MAX_ENTRIES = 10240;
/** Default: the agent's own process is not counted. */
export const DEFAULT_INCLUDE_SELF = false;
/** Most pids, and most comms, the kernel-side filters hold (SYSCALL_MAX_FILTER in bpf/syscall.h). */
export const MAX_FILTER_ENTRIES = 1024;

/** JSON Schema of the config. */
export const syscallSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    collection_interval: COLLECTION_INTERVAL_SCHEMA,
    per_process: {
      type: 'boolean',
      default: DEFAULT_PER_PROCESS,
      description: 'Key every series by process too: adds `process.pid` and `process.executable.name` (more series, a hash lookup per call; keep `max_entries` in mind).',
    },
    latency: {
      type: 'boolean',
      default: DEFAULT_LATENCY,
      description: 'Measure each call\'s duration into the `syscall.duration` histogram (costs a second hook on sys_enter).',
    },
    pids: pidsSchema(MAX_FILTER_ENTRIES),
    comms: commsSchema(MAX_FILTER_ENTRIES),
    cgroup: CGROUP_SCHEMA,
    syscalls: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
      description: 'Only these syscalls, by name (e.g. `openat`, `read`); empty: every syscall.',
    },
    failed_only: {
      type: 'boolean',
      default: DEFAULT_FAILED_ONLY,
      description: 'Count only failed calls (return value -1..-4095): `syscall.calls` then counts failures.',
    },
    slow_threshold: {
      type: 'string',
      format: 'duration',
      default: DEFAULT_SLOW_THRESHOLD,
      description: 'A call at least this slow is also emitted as a span named after the syscall; `0s` turns spans off.',
    },
    max_entries: maxEntriesSchema(
      DEFAULT_MAX_ENTRIES,
      'Series the kernel hash maps hold (errors, and calls with `per_process`); new series beyond it are counted as dropped (`map_full`).',
    ),
    include_self: {
      type: 'boolean',
      default: DEFAULT_INCLUDE_SELF,
      description: 'Count the agent\'s own syscalls too.',
    },
  },
} as const satisfies JSONSchema;

/** Validated config of the `syscall` receiver. */
export type SyscallConfig = FromSchema<typeof syscallSchema>;
