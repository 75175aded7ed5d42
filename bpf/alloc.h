/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by alloc.bpf.c and receivers/alloc/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/alloc-layout.test.ts checks
 * that every offset and size here equals receivers/alloc/layout.ts.
 */
#ifndef EBPF_PIPELINE_ALLOC_H
#define EBPF_PIPELINE_ALLOC_H

#define TASK_COMM_LEN 16
/* Frames kept per user stack (the kernel's PERF_MAX_STACK_DEPTH). */
#define ALLOC_MAX_STACK_DEPTH 127
/* Pids and comms the `filter_pids` / `filter_comms` maps hold at most. */
#define ALLOC_MAX_FILTER 1024
/* Calls in flight (entered, not yet returned) the `pending` map holds at most. */
#define ALLOC_MAX_PENDING 10240

/* Indexes of the `drops` per-CPU array. */
#define ALLOC_DROP_ALLOCS_FULL 0	/* a sampled allocation not tracked: `allocs` full */
#define ALLOC_DROP_PENDING_FULL 1	/* a call not seen: `pending` full */
#define ALLOC_DROP_PROCESSES_FULL 2	/* a call of a process not counted: `processes` full */
#define ALLOC_DROP_STACK_MISSING 3	/* a tracked allocation without its stack (`stacks` full or collision) */
#define ALLOC_DROP_KMALLOC_SITES_FULL 4	/* a kmalloc not counted: `kmalloc_sites` full */
#define ALLOC_N_DROPS 5

/* What an entry probe saw, keyed by thread id in `pending` until the return probe. */
struct alloc_pending {
	/* Requested bytes. */
	__u64 size;
	/* User stack pointer at entry: tells the outermost call from nested ones (realloc -> malloc). */
	__u64 sp;
	/* realloc: the block being resized; posix_memalign: the `void **memptr` out-parameter. */
	__u64 ptr;
	/* ALLOC_KIND_* */
	__u32 kind;
	__u32 _pad;
};

#define ALLOC_KIND_PLAIN 0		/* malloc, calloc, aligned_alloc: the block is the return value */
#define ALLOC_KIND_REALLOC 1		/* realloc: frees `ptr` when it succeeds */
#define ALLOC_KIND_POSIX_MEMALIGN 2	/* posix_memalign: the block is written to *ptr, returns 0 */
#define ALLOC_KIND_MMAP 3		/* mmap: the mapping is the return value, MAP_FAILED (-1) on failure */

/* Key of `allocs`: a live tracked block of a process. */
struct alloc_key {
	__u64 addr;
	__u32 pid;
	__u32 _pad;
};

/* Value of `allocs`. */
struct alloc_info {
	__u64 size;
	/* CLOCK_MONOTONIC ns of the allocation. */
	__u64 timestamp_ns;
	/* Id in `stacks` of the user stack that allocated it; negative: none (counted in drops). */
	__s32 stack_id;
	__u32 _pad;
};

/*
 * Value of `processes` (key: the tgid), cumulative since the programs were
 * attached; updated with atomic adds (threads of one process run on several CPUs).
 */
struct alloc_process {
	/* Successful allocation calls (every one, sampled or not). */
	__u64 allocations;
	/* Bytes they requested. */
	__u64 allocated_bytes;
	/* Allocations tracked in `allocs` (every sample_every-th one) and their bytes. */
	__u64 tracked;
	__u64 tracked_bytes;
	/* Tracked allocations freed since, and their bytes. */
	__u64 tracked_freed;
	__u64 tracked_freed_bytes;
	/* The process's name when it was first seen. */
	char comm[TASK_COMM_LEN];
};

/*
 * Per-CPU value of `kmalloc_sites` (key: the kernel call site, a return
 * address), with `kernel`: kmalloc calls of the traced processes.
 */
struct alloc_kmalloc_site {
	__u64 count;
	/* Bytes asked for. */
	__u64 bytes_req;
};

#endif /* EBPF_PIPELINE_ALLOC_H */
