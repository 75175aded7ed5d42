/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Kernel-side losses (ring buffer full, map full, ...), counted by reason in
 * the per-CPU array `drops` that user space reads with countKernelDrops
 * (core/kernel/bpf-receiver.ts). Define DROPS_MAX_ENTRIES (the number of
 * reasons, <NAME>_N_DROPS of <name>.h) before including this header.
 */
#ifndef EBPF_PIPELINE_DROPS_BPF_H
#define EBPF_PIPELINE_DROPS_BPF_H

#include <bpf/bpf_helpers.h>

#ifndef DROPS_MAX_ENTRIES
#error "define DROPS_MAX_ENTRIES (the number of drop reasons) before including drops.bpf.h"
#endif

/* Kernel-side losses, by drop reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROPS_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * Counts one loss at `index` of `drops`. Per-CPU values are bumped without
 * atomics: a program runs with migration disabled and is not re-entered on
 * its CPU for the same hook (a tracing program hit again from an interrupt
 * is skipped by the kernel and counted as a recursion miss; tc programs run
 * in softirq or with bottom halves disabled; a perf_event program is not
 * re-entered on its CPU).
 */
static __always_inline void count_drop(__u32 index)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &index);

	if (n)
		*n += 1;
}

#endif /* EBPF_PIPELINE_DROPS_BPF_H */
