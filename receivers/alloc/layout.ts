/**
 * Byte layouts of the records in bpf/alloc.h, the one source of truth for the
 * decoder. test/bpf/alloc-layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header as the host compiler sees it.
 */
import { TASK_COMM_LEN, sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

/** `ALLOC_MAX_STACK_DEPTH`: frames per stack in `stacks`. */
export const ALLOC_MAX_STACK_DEPTH = 127;
/** `ALLOC_MAX_FILTER`: capacity of the `filter_pids` and `filter_comms` maps. */
export const ALLOC_MAX_FILTER = 1024;
/** `ALLOC_MAX_PENDING`: calls in flight `pending` holds. */
export const ALLOC_MAX_PENDING = 10240;
/** `ALLOC_DROP_ALLOCS_FULL`: index in `drops`. */
export const ALLOC_DROP_ALLOCS_FULL = 0;
/** `ALLOC_DROP_PENDING_FULL`: index in `drops`. */
export const ALLOC_DROP_PENDING_FULL = 1;
/** `ALLOC_DROP_PROCESSES_FULL`: index in `drops`. */
export const ALLOC_DROP_PROCESSES_FULL = 2;
/** `ALLOC_DROP_STACK_MISSING`: index in `drops`. */
export const ALLOC_DROP_STACK_MISSING = 3;
/** `ALLOC_DROP_KMALLOC_SITES_FULL`: index in `drops`. */
export const ALLOC_DROP_KMALLOC_SITES_FULL = 4;
/** `ALLOC_N_DROPS`: entries of `drops`. */
export const ALLOC_N_DROPS = 5;
/** `ALLOC_KIND_PLAIN`. */
export const ALLOC_KIND_PLAIN = 0;
/** `ALLOC_KIND_REALLOC`. */
export const ALLOC_KIND_REALLOC = 1;
/** `ALLOC_KIND_POSIX_MEMALIGN`. */
export const ALLOC_KIND_POSIX_MEMALIGN = 2;
/** `ALLOC_KIND_MMAP`. */
export const ALLOC_KIND_MMAP = 3;

/** The defines of bpf/alloc.h, by name (checked by the layout test). */
export const ALLOC_DEFINES: Readonly<Record<string, number>> = {
  TASK_COMM_LEN,
  ALLOC_MAX_STACK_DEPTH,
  ALLOC_MAX_FILTER,
  ALLOC_MAX_PENDING,
  ALLOC_DROP_ALLOCS_FULL,
  ALLOC_DROP_PENDING_FULL,
  ALLOC_DROP_PROCESSES_FULL,
  ALLOC_DROP_STACK_MISSING,
  ALLOC_DROP_KMALLOC_SITES_FULL,
  ALLOC_N_DROPS,
  ALLOC_KIND_PLAIN,
  ALLOC_KIND_REALLOC,
  ALLOC_KIND_POSIX_MEMALIGN,
  ALLOC_KIND_MMAP,
};

/** `struct alloc_pending`, the value of `pending` (not read by user space; layout checked all the same). */
export const ALLOC_PENDING = sequentialStruct('alloc_pending', { size: 8, sp: 8, ptr: 8, kind: 4, _pad: 4 });

/** `struct alloc_key`, the key of `allocs`. */
export const ALLOC_KEY = sequentialStruct('alloc_key', { addr: 8, pid: 4, _pad: 4 });

/** `struct alloc_info`, the value of `allocs`. */
export const ALLOC_INFO = sequentialStruct('alloc_info', { size: 8, timestamp_ns: 8, stack_id: 4, _pad: 4 });

/** `struct alloc_process`, the value of `processes` (key: the tgid). */
export const ALLOC_PROCESS = sequentialStruct('alloc_process', {
  allocations: 8,
  allocated_bytes: 8,
  tracked: 8,
  tracked_bytes: 8,
  tracked_freed: 8,
  tracked_freed_bytes: 8,
  comm: TASK_COMM_LEN,
});

/** `struct alloc_kmalloc_site`, the per-CPU value of `kmalloc_sites` (key: the `__u64` call site). */
export const ALLOC_KMALLOC_SITE = sequentialStruct('alloc_kmalloc_site', { count: 8, bytes_req: 8 });

/** Every struct of bpf/alloc.h. */
export const ALLOC_STRUCTS: readonly StructLayout[] = [ALLOC_PENDING, ALLOC_KEY, ALLOC_INFO, ALLOC_PROCESS, ALLOC_KMALLOC_SITE];
