/**
 * Byte layouts of the records in bpf/syscall.h, the one source of truth for
 * the decoder. test/bpf/layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header's defines.
 */
import { TASK_COMM_LEN, type StructLayout } from '../../core/kernel/bpf-records';

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
export const SYSCALL_KEY: StructLayout<'id' | 'pid' | 'comm'> = {
  name: 'syscall_key',
  size: 24,
  members: { id: { offset: 0, size: 4 }, pid: { offset: 4, size: 4 }, comm: { offset: 8, size: TASK_COMM_LEN } },
};

/** `struct syscall_latency`, the per-CPU value of `latency_by_id` (key: the syscall id). */
export const SYSCALL_LATENCY: StructLayout<'sum_ns' | 'slots'> = {
  name: 'syscall_latency',
  size: 8 + 8 * SYSCALL_N_SLOTS,
  members: { sum_ns: { offset: 0, size: 8 }, slots: { offset: 8, size: 8 * SYSCALL_N_SLOTS } },
};

/** `struct syscall_value`, the per-CPU value of `hists` (per_process). */
export const SYSCALL_VALUE: StructLayout<'calls' | 'sum_ns' | 'slots'> = {
  name: 'syscall_value',
  size: 16 + 8 * SYSCALL_N_SLOTS,
  members: { calls: { offset: 0, size: 8 }, sum_ns: { offset: 8, size: 8 }, slots: { offset: 16, size: 8 * SYSCALL_N_SLOTS } },
};

/** `struct syscall_error_key`, the key of `errors` (value: one `__u64` per CPU). */
export const SYSCALL_ERROR_KEY: StructLayout<'id' | 'pid' | 'comm' | 'err' | '_pad'> = {
  name: 'syscall_error_key',
  size: 32,
  members: {
    id: { offset: 0, size: 4 },
    pid: { offset: 4, size: 4 },
    comm: { offset: 8, size: TASK_COMM_LEN },
    err: { offset: 24, size: 4 },
    _pad: { offset: 28, size: 4 },
  },
};

/** `struct slow_event`, one record of the `events` ring buffer. */
export const SLOW_EVENT: StructLayout<'start_ns' | 'end_ns' | 'ret' | 'pid' | 'tid' | 'id' | '_pad' | 'comm'> = {
  name: 'slow_event',
  size: 56,
  members: {
    start_ns: { offset: 0, size: 8 },
    end_ns: { offset: 8, size: 8 },
    ret: { offset: 16, size: 8 },
    pid: { offset: 24, size: 4 },
    tid: { offset: 28, size: 4 },
    id: { offset: 32, size: 4 },
    _pad: { offset: 36, size: 4 },
    comm: { offset: 40, size: TASK_COMM_LEN },
  },
};

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
