/**
 * Byte layouts of the records in bpf/alloc.h, the one source of truth for the
 * decoder. test/bpf/alloc-layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header as the host compiler sees it.
 */
import { TASK_COMM_LEN, type StructLayout } from '../../core/kernel/bpf-records';

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

const u64 = (offset: number) => ({ offset, size: 8 });
const u32 = (offset: number) => ({ offset, size: 4 });

/** `struct alloc_pending`, the value of `pending` (not read by user space; layout checked all the same). */
export const ALLOC_PENDING: StructLayout<'size' | 'sp' | 'ptr' | 'kind' | '_pad'> = {
  name: 'alloc_pending',
  size: 32,
  members: { size: u64(0), sp: u64(8), ptr: u64(16), kind: u32(24), _pad: u32(28) },
};

/** `struct alloc_key`, the key of `allocs`. */
export const ALLOC_KEY: StructLayout<'addr' | 'pid' | '_pad'> = {
  name: 'alloc_key',
  size: 16,
  members: { addr: u64(0), pid: u32(8), _pad: u32(12) },
};

/** `struct alloc_info`, the value of `allocs`. */
export const ALLOC_INFO: StructLayout<'size' | 'timestamp_ns' | 'stack_id' | '_pad'> = {
  name: 'alloc_info',
  size: 24,
  members: { size: u64(0), timestamp_ns: u64(8), stack_id: u32(16), _pad: u32(20) },
};

/** `struct alloc_process`, the value of `processes` (key: the tgid). */
export const ALLOC_PROCESS: StructLayout<
  'allocations' | 'allocated_bytes' | 'tracked' | 'tracked_bytes' | 'tracked_freed' | 'tracked_freed_bytes' | 'comm'
> = {
  name: 'alloc_process',
  size: 48 + TASK_COMM_LEN,
  members: {
    allocations: u64(0),
    allocated_bytes: u64(8),
    tracked: u64(16),
    tracked_bytes: u64(24),
    tracked_freed: u64(32),
    tracked_freed_bytes: u64(40),
    comm: { offset: 48, size: TASK_COMM_LEN },
  },
};

/** `struct alloc_kmalloc_site`, the per-CPU value of `kmalloc_sites` (key: the `__u64` call site). */
export const ALLOC_KMALLOC_SITE: StructLayout<'count' | 'bytes_req'> = {
  name: 'alloc_kmalloc_site',
  size: 16,
  members: { count: u64(0), bytes_req: u64(8) },
};

/** Every struct of bpf/alloc.h. */
export const ALLOC_STRUCTS: readonly StructLayout[] = [ALLOC_PENDING, ALLOC_KEY, ALLOC_INFO, ALLOC_PROCESS, ALLOC_KMALLOC_SITE];
