/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by syscall.bpf.c and receivers/syscall/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/layout.test.ts checks that
 * every offset and size here equals receivers/syscall/layout.ts.
 */
#ifndef EBPF_PIPELINE_SYSCALL_H
#define EBPF_PIPELINE_SYSCALL_H

#define TASK_COMM_LEN 16
/* log2 latency slots: slot i holds [2^i, 2^(i+1)) ns; the last one is open-ended (>= 2^35 ns, ~34 s). */
#define SYSCALL_N_SLOTS 36
/*
 * Syscall ids are below this (x86_64 and arm64 end near 470): the size of the
 * by-id arrays and of the `syscalls` filter bitmap. Larger ids are counted
 * in `drops` (SYSCALL_DROP_ID_RANGE).
 */
#define SYSCALL_MAX_ID 512
/* Pids and comms the `pids` / `comms` filter maps hold at most. */
#define SYSCALL_MAX_FILTER 1024

/* Indexes of the `drops` per-CPU array. */
#define SYSCALL_DROP_RINGBUF_FULL 0
#define SYSCALL_DROP_MAP_FULL 1
#define SYSCALL_DROP_ID_RANGE 2
#define SYSCALL_N_DROPS 3

/* Key of `hists` (per_process mode only). */
struct syscall_key {
	__u32 id;
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

/* Per-CPU value of `latency`, by syscall id (latency without per_process). */
struct syscall_latency {
	/* Sum of latencies in ns and their log2 histogram. */
	__u64 sum_ns;
	__u64 slots[SYSCALL_N_SLOTS];
};

/* Per-CPU value of `hists` (per_process mode): every field cumulative since load. */
struct syscall_value {
	__u64 calls;
	/* Sum of latencies in ns and their log2 histogram (latency mode only). */
	__u64 sum_ns;
	__u64 slots[SYSCALL_N_SLOTS];
};

/* Key of `errors` (value: __u64 count per CPU); err is the positive errno; pid and comm are 0 unless per_process. */
struct syscall_error_key {
	__u32 id;
	__u32 pid;
	char comm[TASK_COMM_LEN];
	__u32 err;
	__u32 _pad;
};

/* One call slower than slow_threshold_ns, streamed through `events`. */
struct slow_event {
	__u64 start_ns; /* CLOCK_MONOTONIC */
	__u64 end_ns;
	__s64 ret;
	__u32 pid;
	__u32 tid;
	__u32 id;
	__u32 _pad;
	char comm[TASK_COMM_LEN];
};

#endif /* EBPF_PIPELINE_SYSCALL_H */
