/**
 * Byte layouts of the records in bpf/syscall.h, the one source of truth for
 * the decoder. test/bpf/layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header's defines.
 */
import { TASK_COMM_LEN, sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

/** `SYSCALL_N_SLOTS`: log2 latency slots; slot i holds [2^i, 2^(i+1)) ns, the last is open-ended. */
export const SYSCALL_N_SLOTS = 36;
/** `SYSCALL_MAX_ID`: ids are below this: entries of the by-id arrays, bits of `syscall_mask`. */
export const SYSCALL_MAX_ID = 512;
/** `SYSCALL_MAX_FILTER`: capacity of the `filter_pids` and `filter_comms` maps. */
export const SYSCALL_MAX_FILTER = 1024;
/** `SYSCALL_DROP_RINGBUF_FULL`: index in `drops`. */
export const SYSCALL_DROP_RINGBUF_FULL = 0;
/** `SYSCALL_DROP_MAP_FULL`: index in `drops`. */
export const SYSCALL_DROP_MAP_FULL = 1;
/** `SYSCALL_DROP_ID_RANGE`: index in `drops` (a syscall id >= SYSCALL_MAX_ID). */
export const SYSCALL_DROP_ID_RANGE = 2;
/** `SYSCALL_N_DROPS`: entries of `drops`. */
export const SYSCALL_N_DROPS = 3;

/** `struct syscall_key`, the key of `hists` (per_process). */
export const SYSCALL_KEY = sequentialStruct('syscall_key', { id: 4, pid: 4, comm: TASK_COMM_LEN });

/** `struct syscall_latency`, the per-CPU value of `latency_by_id` (key: the syscall id). */
export const SYSCALL_LATENCY = sequentialStruct('syscall_latency', { sum_ns: 8, slots: 8 * SYSCALL_N_SLOTS });

/** `struct syscall_value`, the per-CPU value of `hists` (per_process). */
export const SYSCALL_VALUE = sequentialStruct('syscall_value', { calls: 8, sum_ns: 8, slots: 8 * SYSCALL_N_SLOTS });

/** `struct syscall_error_key`, the key of `errors` (value: one `__u64` per CPU). */
export const SYSCALL_ERROR_KEY = sequentialStruct('syscall_error_key', { id: 4, pid: 4, comm: TASK_COMM_LEN, err: 4, _pad: 4 });

/** `struct slow_event`, one record of the `events` ring buffer. */
export const SLOW_EVENT = sequentialStruct('slow_event', {
  start_ns: 8,
  end_ns: 8,
  ret: 8,
  pid: 4,
  tid: 4,
  id: 4,
  _pad: 4,
  comm: TASK_COMM_LEN,
});

/** Every struct of bpf/syscall.h, for the layout test. */
export const SYSCALL_STRUCTS: readonly StructLayout[] = [SYSCALL_KEY, SYSCALL_LATENCY, SYSCALL_VALUE, SYSCALL_ERROR_KEY, SLOW_EVENT];

/** Every define of bpf/syscall.h with its value, for the layout test. */
export const SYSCALL_DEFINES: Readonly<Record<string, number>> = {
  TASK_COMM_LEN,
  SYSCALL_N_SLOTS,
  SYSCALL_MAX_ID,
  SYSCALL_MAX_FILTER,
  SYSCALL_DROP_RINGBUF_FULL,
  SYSCALL_DROP_MAP_FULL,
  SYSCALL_DROP_ID_RANGE,
  SYSCALL_N_DROPS,
};

/** Size of a `__u64` value of `calls`, `errors` and `drops`, and of an array key. */
export const U64_SIZE = 8;
