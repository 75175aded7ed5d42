/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ring-buffer streaming benchmark's record: 32 bytes, fixed-width fields,
 * explicit layout. consumer.js and cconsumer.c read it at these offsets
 * (consumer.js checks the size and offsets against this file at start).
 */
#ifndef BENCH_RINGBUF_STREAM_H
#define BENCH_RINGBUF_STREAM_H

#define MAX_PRODUCERS 2

/* wakeup_mode */
#define WAKEUP_DEFAULT 0   /* flags 0: the kernel wakes the consumer when it had caught up (libbpf's default) */
#define WAKEUP_NONE 1      /* BPF_RB_NO_WAKEUP: the consumer looks every ~1 ms */
#define WAKEUP_THRESHOLD 2 /* BPF_RB_NO_WAKEUP below wakeup_bytes of unread data, BPF_RB_FORCE_WAKEUP past it */

/* drops slots */
#define DROP_GETPPID 0 /* reserve failures of getppid records */
#define DROP_OTHER 1   /* reserve failures of other syscalls' records */

struct record {
	__u64 seq;   /* offset 0: per-CPU sequence, 1, 2, ... (records attempted on that CPU) */
	__u32 pid;   /* offset 8: tgid */
	__u32 id;    /* offset 12: syscall number */
	__u32 cpu;   /* offset 16 */
	__u32 tid;   /* offset 20 */
	__u64 ts_ns; /* offset 24: bpf_ktime_get_ns() when with_ts, else 0 */
};

#endif
