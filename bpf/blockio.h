/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by blockio.bpf.c and receivers/blockio/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/blockio-layout.test.ts
 * checks that every offset and size here equals receivers/blockio/layout.ts.
 */
#ifndef EBPF_PIPELINE_BLOCKIO_H
#define EBPF_PIPELINE_BLOCKIO_H

#define TASK_COMM_LEN 16
/* log2 latency slots: slot i holds [2^i, 2^(i+1)) ns; the last one is open-ended (>= 2^35 ns, ~34 s). */
#define BLOCKIO_N_SLOTS 36
/* Devices the `filter_devs` map holds at most. */
#define BLOCKIO_MAX_FILTER 256

/* Directions (struct blockio_key.dir), from the request's REQ_OP_*. */
#define BLOCKIO_DIR_READ 0	/* REQ_OP_READ */
#define BLOCKIO_DIR_WRITE 1	/* REQ_OP_WRITE, REQ_OP_WRITE_ZEROES */
#define BLOCKIO_DIR_FLUSH 2	/* REQ_OP_FLUSH */
#define BLOCKIO_DIR_DISCARD 3	/* REQ_OP_DISCARD, REQ_OP_SECURE_ERASE */
#define BLOCKIO_DIR_OTHER 4	/* zone management, driver-private */
#define BLOCKIO_N_DIRS 5

/* Indexes of the `drops` per-CPU array. */
#define BLOCKIO_DROP_RINGBUF_FULL 0	/* a slow request found `events` full */
#define BLOCKIO_DROP_MAP_FULL 1		/* a new (device, direction) series found `hists` full */
#define BLOCKIO_DROP_START_FULL 2	/* a request found `start` full: not measured */
/*
 * A request whose hooks did not all run: the kernel called the tracepoint
 * but not our program (a kernel may skip BPF programs in some task contexts
 * without counting a recursion miss; see receivers/blockio/README.md).
 * Found when the request's struct request is next used, or at its completion.
 */
#define BLOCKIO_DROP_COMPLETION_UNSEEN 3	/* issued, its completion never seen */
#define BLOCKIO_DROP_ISSUE_UNSEEN 4	/* seen at insert, its issue (or merge) never seen */
#define BLOCKIO_N_DROPS 5

/* Key of `hists`: dev is the kernel's dev_t (major << 20 | minor) of the disk. */
struct blockio_key {
	__u32 dev;
	__u32 dir;
};

/* Per-CPU value of `hists`: every field cumulative since load. */
struct blockio_value {
	__u64 ops;		/* completed requests */
	__u64 bytes;		/* bytes completed */
	__u64 sum_ns;		/* issue -> complete, summed */
	__u64 slots[BLOCKIO_N_SLOTS];
	__u64 queued;		/* requests with a queue time (seen at insert; queue_time only) */
	__u64 queue_sum_ns;	/* insert -> issue, summed */
	__u64 queue_slots[BLOCKIO_N_SLOTS];
};

/* Value of `start`, keyed by the struct request pointer. */
struct blockio_start {
	__u64 gen;		/* the request's start_time_ns: tells a reused pointer from the request seen before */
	__u64 insert_ns;	/* 0: not seen at insert */
	__u64 issue_ns;		/* 0: not issued yet */
	__u32 pid;		/* the task at insert, or at issue when there was no insert */
	__u32 _pad;
	char comm[TASK_COMM_LEN];
};

/* One request slower than slow_threshold_ns, streamed through `events`. */
struct blockio_event {
	__u64 issue_ns;		/* CLOCK_MONOTONIC */
	__u64 complete_ns;
	__u64 insert_ns;	/* 0: not seen at insert */
	__u64 sector;
	__u32 dev;
	__u32 bytes;
	__u32 dir;
	__u32 pid;
	__u32 status;		/* blk_status_t at completion (0: OK) */
	__u32 _pad;
	char comm[TASK_COMM_LEN];
};

#endif /* EBPF_PIPELINE_BLOCKIO_H */
