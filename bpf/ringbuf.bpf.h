/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Batched wake-ups of a ring buffer's reader: with the tunable
 * wakeup_data_size set (receivers set it with their reader's batch size),
 * a record is submitted without waking the reader until that many bytes
 * wait; 0 wakes it on every record (the kernel's default).
 */
#ifndef EBPF_PIPELINE_RINGBUF_BPF_H
#define EBPF_PIPELINE_RINGBUF_BPF_H

#include <bpf/bpf_helpers.h>

/* Wake the reader when this many bytes are waiting (0: on every event). */
const volatile __u64 wakeup_data_size = 0;

/* The flags of bpf_ringbuf_submit/output for a record of `ringbuf` (a BPF_MAP_TYPE_RINGBUF map). */
static __always_inline __u64 wakeup_flags(void *ringbuf)
{
	if (!wakeup_data_size)
		return 0;
	return bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA) >= wakeup_data_size ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

#endif /* EBPF_PIPELINE_RINGBUF_BPF_H */
