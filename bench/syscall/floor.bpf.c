// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmark's floor: the simplest useful syscall counter, a raw_tp
 * sys_exit program bumping a per-CPU array slot by syscall id (the issue's
 * "bare libbpf raw_tp per-CPU counter"). Built by run.js with the same flags
 * as bpf/ (against bpf/.output/vmlinux.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("raw_tp/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	__u32 id = BPF_CORE_READ(regs, orig_ax);
	__u64 *n = bpf_map_lookup_elem(&counts, &id);

	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
