/**
 * Byte layouts of the records in bpf/blockio.h, the one source of truth for
 * the decoder. test/bpf/blockio-layout.test.ts checks every offset and size
 * here against the compiled object's BTF and the header's defines.
 */
import { TASK_COMM_LEN, sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

/** `BLOCKIO_N_SLOTS`: log2 latency slots; slot i holds [2^i, 2^(i+1)) ns, the last is open-ended. */
export const BLOCKIO_N_SLOTS = 36;
/** `BLOCKIO_MAX_FILTER`: capacity of the `filter_devs` map. */
export const BLOCKIO_MAX_FILTER = 256;
/** `BLOCKIO_DIR_READ`. */
export const BLOCKIO_DIR_READ = 0;
/** `BLOCKIO_DIR_WRITE` (REQ_OP_WRITE, REQ_OP_WRITE_ZEROES). */
export const BLOCKIO_DIR_WRITE = 1;
/** `BLOCKIO_DIR_FLUSH`. */
export const BLOCKIO_DIR_FLUSH = 2;
/** `BLOCKIO_DIR_DISCARD` (REQ_OP_DISCARD, REQ_OP_SECURE_ERASE). */
export const BLOCKIO_DIR_DISCARD = 3;
/** `BLOCKIO_DIR_OTHER` (zone management, driver-private). */
export const BLOCKIO_DIR_OTHER = 4;
/** `BLOCKIO_N_DIRS`. */
export const BLOCKIO_N_DIRS = 5;
/** `BLOCKIO_DROP_RINGBUF_FULL`: index in `drops`. */
export const BLOCKIO_DROP_RINGBUF_FULL = 0;
/** `BLOCKIO_DROP_MAP_FULL`: index in `drops`. */
export const BLOCKIO_DROP_MAP_FULL = 1;
/** `BLOCKIO_DROP_START_FULL`: index in `drops`. */
export const BLOCKIO_DROP_START_FULL = 2;
/** `BLOCKIO_DROP_COMPLETION_UNSEEN`: index in `drops` (an issued request whose completion our program never saw). */
export const BLOCKIO_DROP_COMPLETION_UNSEEN = 3;
/** `BLOCKIO_DROP_ISSUE_UNSEEN`: index in `drops` (a request seen at insert whose issue or merge our program never saw). */
export const BLOCKIO_DROP_ISSUE_UNSEEN = 4;
/** `BLOCKIO_N_DROPS`: entries of `drops`. */
export const BLOCKIO_N_DROPS = 5;

/** `struct blockio_key`, the key of `hists`. */
export const BLOCKIO_KEY = sequentialStruct('blockio_key', { dev: 4, dir: 4 });

const SLOTS_BYTES = 8 * BLOCKIO_N_SLOTS;

/** `struct blockio_value`, the per-CPU value of `hists`. */
export const BLOCKIO_VALUE = sequentialStruct('blockio_value', {
  ops: 8,
  bytes: 8,
  sum_ns: 8,
  slots: SLOTS_BYTES,
  queued: 8,
  queue_sum_ns: 8,
  queue_slots: SLOTS_BYTES,
});

/** `struct blockio_start`, the value of `start` (requests in flight). */
export const BLOCKIO_START = sequentialStruct('blockio_start', {
  gen: 8,
  insert_ns: 8,
  issue_ns: 8,
  pid: 4,
  _pad: 4,
  comm: TASK_COMM_LEN,
});

/** `struct blockio_event`, one record of the `events` ring buffer. */
export const BLOCKIO_EVENT = sequentialStruct('blockio_event', {
  issue_ns: 8,
  complete_ns: 8,
  insert_ns: 8,
  sector: 8,
  dev: 4,
  bytes: 4,
  dir: 4,
  pid: 4,
  status: 4,
  _pad: 4,
  comm: TASK_COMM_LEN,
});

/** Every struct of bpf/blockio.h, for the layout test. */
export const BLOCKIO_STRUCTS: readonly StructLayout[] = [BLOCKIO_KEY, BLOCKIO_VALUE, BLOCKIO_START, BLOCKIO_EVENT];

/** Every define of bpf/blockio.h with its value, for the layout test. */
export const BLOCKIO_DEFINES: Readonly<Record<string, number>> = {
  TASK_COMM_LEN,
  BLOCKIO_N_SLOTS,
  BLOCKIO_MAX_FILTER,
  BLOCKIO_DIR_READ,
  BLOCKIO_DIR_WRITE,
  BLOCKIO_DIR_FLUSH,
  BLOCKIO_DIR_DISCARD,
  BLOCKIO_DIR_OTHER,
  BLOCKIO_N_DIRS,
  BLOCKIO_DROP_RINGBUF_FULL,
  BLOCKIO_DROP_MAP_FULL,
  BLOCKIO_DROP_START_FULL,
  BLOCKIO_DROP_COMPLETION_UNSEEN,
  BLOCKIO_DROP_ISSUE_UNSEEN,
  BLOCKIO_N_DROPS,
};
