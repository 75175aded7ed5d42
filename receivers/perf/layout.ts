/**
 * Byte layouts of the records in bpf/perf.h, the one source of truth for the
 * decoder. test/bpf/perf-layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header's defines.
 */
import { TASK_COMM_LEN, sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

/** `PERF_MAX_STACK_DEPTH`: frames a `stacks` entry holds at most. */
export const PERF_MAX_STACK_DEPTH = 127;
/** `PERF_MAX_FILTER`: capacity of the `filter_pids` and `filter_comms` maps. */
export const PERF_MAX_FILTER = 1024;
/** `PERF_MAX_SEEN_PIDS`: processes `seen_pids` remembers. */
export const PERF_MAX_SEEN_PIDS = 8192;
/** `PERF_DROP_MAP_FULL`: index in `drops` (a sample whose new key did not fit). */
export const PERF_DROP_MAP_FULL = 0;
/** `PERF_DROP_USER_STACK_COLLISION`: index in `drops`. */
export const PERF_DROP_USER_STACK_COLLISION = 1;
/** `PERF_DROP_USER_STACK_FAILED`: index in `drops`. */
export const PERF_DROP_USER_STACK_FAILED = 2;
/** `PERF_DROP_KERNEL_STACK_COLLISION`: index in `drops`. */
export const PERF_DROP_KERNEL_STACK_COLLISION = 3;
/** `PERF_DROP_KERNEL_STACK_FAILED`: index in `drops`. */
export const PERF_DROP_KERNEL_STACK_FAILED = 4;
/** `PERF_DROP_NEW_PID_LOST`: index in `drops`. */
export const PERF_DROP_NEW_PID_LOST = 5;
/** `PERF_N_DROPS`: entries of `drops`. */
export const PERF_N_DROPS = 6;

/** `struct perf_sample_key`, the key of `counts_0` and `counts_1` (value: a `__u64` count). */
export const PERF_SAMPLE_KEY = sequentialStruct('perf_sample_key', {
  tgid: 4,
  pid: 4,
  user_stack_id: 4,
  kernel_stack_id: 4,
  comm: TASK_COMM_LEN,
});

/** `struct perf_new_pid`, one record of the `new_pids` ring buffer. */
export const PERF_NEW_PID = sequentialStruct('perf_new_pid', { tgid: 4, _pad: 4, comm: TASK_COMM_LEN });

/** Every struct of bpf/perf.h, for the layout test. */
export const PERF_STRUCTS: readonly StructLayout[] = [PERF_SAMPLE_KEY, PERF_NEW_PID];

/** Every define of bpf/perf.h with its value, for the layout test. */
export const PERF_DEFINES: Readonly<Record<string, number>> = {
  TASK_COMM_LEN,
  PERF_MAX_STACK_DEPTH,
  PERF_MAX_FILTER,
  PERF_MAX_SEEN_PIDS,
  PERF_DROP_MAP_FULL,
  PERF_DROP_USER_STACK_COLLISION,
  PERF_DROP_USER_STACK_FAILED,
  PERF_DROP_KERNEL_STACK_COLLISION,
  PERF_DROP_KERNEL_STACK_FAILED,
  PERF_DROP_NEW_PID_LOST,
  PERF_N_DROPS,
};

/** The `drops` indexes with their telemetry reasons. */
export const PERF_DROP_REASONS: ReadonlyArray<readonly [index: number, reason: string]> = [
  [PERF_DROP_MAP_FULL, 'map_full'],
  [PERF_DROP_USER_STACK_COLLISION, 'user_stack_collision'],
  [PERF_DROP_USER_STACK_FAILED, 'user_stack_failed'],
  [PERF_DROP_KERNEL_STACK_COLLISION, 'kernel_stack_collision'],
  [PERF_DROP_KERNEL_STACK_FAILED, 'kernel_stack_failed'],
  [PERF_DROP_NEW_PID_LOST, 'new_pid_event_lost'],
];
