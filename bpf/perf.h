/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by perf.bpf.c and receivers/perf/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/perf-layout.test.ts checks
 * that every offset and size here equals receivers/perf/layout.ts.
 */
#ifndef EBPF_PIPELINE_PERF_H
#define EBPF_PIPELINE_PERF_H

#define TASK_COMM_LEN 16
/* Frames a stack of `stacks` holds at most (the kernel's PERF_MAX_STACK_DEPTH). */
#define PERF_MAX_STACK_DEPTH 127
/* Pids and comms the `filter_pids` / `filter_comms` maps hold at most. */
#define PERF_MAX_FILTER 1024
/* Processes remembered in `seen_pids` (a new one is announced through `new_pids`; an exec or exit forgets one). */
#define PERF_MAX_SEEN_PIDS 8192

/* Indexes of the `drops` per-CPU array. */
#define PERF_DROP_MAP_FULL 0		/* a new key did not fit in the counts map: sample lost */
#define PERF_DROP_USER_STACK_COLLISION 1	/* bpf_get_stackid -EEXIST (user): counted without its user stack */
#define PERF_DROP_USER_STACK_FAILED 2	/* any other user stack failure (-EFAULT, -ENOMEM) */
#define PERF_DROP_KERNEL_STACK_COLLISION 3
#define PERF_DROP_KERNEL_STACK_FAILED 4
#define PERF_DROP_NEW_PID_LOST 5	/* the `new_pids` ring buffer was full (the pid is observed at collection instead) */
#define PERF_N_DROPS 6

/* Key of the counts maps (`counts_0`, `counts_1`); value: a __u64 sample count. */
struct perf_sample_key {
	__u32 tgid;
	__u32 pid;		/* the thread id */
	__s32 user_stack_id;	/* in `stacks`; -1: none (kernel thread, idle, or lost: see `drops`) */
	__s32 kernel_stack_id;	/* in `stacks`; -1: none (user mode, include_kernel off, or lost) */
	char comm[TASK_COMM_LEN];	/* the thread's name */
};

/*
 * One record of the `new_pids` ring buffer: a process sampled for the first
 * time (again after an exec, or when its pid is reused).
 */
struct perf_new_pid {
	__u32 tgid;
	__u32 _pad;
	char comm[TASK_COMM_LEN];	/* the process's name: its main thread's comm */
};

#endif /* EBPF_PIPELINE_PERF_H */
