// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Ring-buffer streaming benchmark: one 32-byte record per syscall of the
 * producer processes (tgids[], set before load), reserved in a large ring
 * buffer. Reserve failures are counted per CPU in `drops` (getppid and other
 * syscalls apart); `seqs` counts the records attempted per CPU (and numbers
 * them), so that delivered + drops == attempted can be checked exactly.
 * Built by run.js with the flags of bpf/ (against bpf/.output/vmlinux.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "stream.h"

const volatile __u32 tgids[MAX_PRODUCERS] = {};
const volatile __u32 getppid_nr = 110;
const volatile __u32 wakeup_mode = WAKEUP_NONE;
const volatile __u64 wakeup_bytes = 4 << 20;
const volatile bool with_ts = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seqs SEC(".maps");

SEC("raw_tp/sys_enter")
int BPF_PROG(stream_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 zero = 0;
	__u64 *seq, flags;
	struct record *r;

	if (tgid == 0 || (tgid != tgids[0] && tgid != tgids[1]))
		return 0;
	seq = bpf_map_lookup_elem(&seqs, &zero);
	if (!seq)
		return 0;
	*seq += 1;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__u32 slot = id == getppid_nr ? DROP_GETPPID : DROP_OTHER;
		__u64 *d = bpf_map_lookup_elem(&drops, &slot);

		if (d)
			*d += 1;
		return 0;
	}
	r->seq = *seq;
	r->pid = tgid;
	r->id = id;
	r->cpu = bpf_get_smp_processor_id();
	r->tid = (__u32)pid_tgid;
	r->ts_ns = with_ts ? bpf_ktime_get_ns() : 0;
	if (wakeup_mode == WAKEUP_NONE)
		flags = BPF_RB_NO_WAKEUP;
	else if (wakeup_mode == WAKEUP_THRESHOLD)
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	else
		flags = 0;
	bpf_ringbuf_submit(r, flags);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
