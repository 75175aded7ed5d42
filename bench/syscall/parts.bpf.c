// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The parts a per-call syscall latency measurement is made of, one sys_enter
 * program each, for bench/syscall/parts.js: the loop's extra ns per call
 * with one of them attached is that part's price on this machine.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink SEC(".maps");

static __always_inline void keep(__u64 v)
{
	__u32 zero = 0;
	__u64 *p = bpf_map_lookup_elem(&sink, &zero);

	if (p)
		*p = v;
}

/* The hook alone: the tracepoint and BPF dispatch. */
SEC("tp_btf/sys_enter")
int BPF_PROG(part_hook, struct pt_regs *regs, long id)
{
	return 0;
}

/* + a per-CPU array lookup and store (the counter's price). */
SEC("tp_btf/sys_enter")
int BPF_PROG(part_array, struct pt_regs *regs, long id)
{
	keep(id);
	return 0;
}

/* + bpf_ktime_get_ns(). */
SEC("tp_btf/sys_enter")
int BPF_PROG(part_ktime, struct pt_regs *regs, long id)
{
	keep(bpf_ktime_get_ns());
	return 0;
}

/* + a task-storage lookup (created on first use). */
SEC("tp_btf/sys_enter")
int BPF_PROG(part_storage, struct pt_regs *regs, long id)
{
	__u64 *ts = bpf_task_storage_get(&start, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = id;
	return 0;
}

/* What the receiver's sys_enter does without filters: a start time in task storage. */
SEC("tp_btf/sys_enter")
int BPF_PROG(part_storage_ktime, struct pt_regs *regs, long id)
{
	__u64 *ts = bpf_task_storage_get(&start, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
