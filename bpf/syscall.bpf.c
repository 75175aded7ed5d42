// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The syscall receiver's kernel side: counts, errors (by errno) and log2
 * latency histograms of system calls, aggregated in per-CPU maps and read
 * by receivers/syscall on an interval; calls slower than slow_threshold_ns
 * are streamed through the `events` ring buffer.
 *
 * Keys: by syscall id (per-CPU arrays `calls` and `latency`: the cheap
 * default), or with per_process by (id, pid, comm) in the per-CPU hash
 * `hists`. Failures go to the per-CPU hash `errors` keyed by errno too.
 *
 * Three variants of the same pair of programs: tp_btf (BTF-typed,
 * preferred), raw_tp (fallback), and the classic tracepoints
 * raw_syscalls:sys_enter/sys_exit (last fallback: the record layout comes
 * from tracefs, the syscall number is in the exit record itself; needs
 * tracefs, which the native runtime mounts). User space loads one pair
 * (setAutoload) and, in the counts-only mode (no latency, no slow calls),
 * only the sys_exit program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bits.bpf.h"
#include "syscall.h"
#define DROPS_MAX_ENTRIES SYSCALL_N_DROPS
#include "drops.bpf.h"
#include "ringbuf.bpf.h"
#define FILTER_MAX_ENTRIES SYSCALL_MAX_FILTER
#define FILTER_CGROUP
#include "filters.bpf.h"

#define EEXIST 17
#define MAX_ERRNO 4095

/* Tunables, set before load (receivers/syscall/receiver.ts). */
const volatile __u32 self_pid = 0;		/* this tgid is never counted (0: none) */
const volatile bool per_process = false;	/* key by (id, pid, comm) in `hists` */
const volatile bool latency = true;		/* log2 latency histograms */
const volatile __u64 slow_threshold_ns = 0;	/* stream calls at least this slow (0: off) */
const volatile bool failed_only = false;	/* count failed calls only */
const volatile bool filter_syscalls_on = false;	/* only the ids set in syscall_mask */
const volatile __u64 syscall_mask[SYSCALL_MAX_ID / 64] = {};

/*
 * Start time (CLOCK_MONOTONIC ns) of the call in progress, in task-local
 * storage: no hashing, no size limit, freed with the thread. 0: none.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} start SEC(".maps");

/* Calls by syscall id (without per_process). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYSCALL_MAX_ID);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

/* Latency by syscall id (latency without per_process; else sized 1 by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYSCALL_MAX_ID);
	__type(key, __u32);
	__type(value, struct syscall_latency);
} latency_by_id SEC(".maps");

/* Calls and latency by (id, pid, comm) (per_process; else sized 1 by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct syscall_key);
	__type(value, struct syscall_value);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct syscall_error_key);
	__type(value, __u64);
} errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Keeps struct slow_event in the object's BTF (the layout test reads it there). */
struct slow_event *unused_slow_event __attribute__((unused));

/* The filters known at sys_enter: syscall id, self, pids, cgroup. */
static __always_inline bool wanted_task(__u32 id, __u32 tgid)
{
	if (filter_syscalls_on) {
		__u32 word = id / 64;

		if (id >= SYSCALL_MAX_ID)
			return false;
		/* Hide the range check from clang so the mask stays: the verifier needs it. */
		barrier_var(word);
		if (!(syscall_mask[word & (SYSCALL_MAX_ID / 64 - 1)] & (1ULL << (id % 64))))
			return false;
	}
	if (self_pid && tgid == self_pid)
		return false;
	return pid_wanted(tgid) && cgroup_wanted();
}

static __always_inline bool need_start(void)
{
	return latency || slow_threshold_ns;
}

static __always_inline int on_enter(long id)
{
	__u64 *ts;

	if (!need_start() || id < 0)
		return 0;
	if (!wanted_task(id, bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (!current_comm_wanted())
		return 0;
	ts = bpf_task_storage_get(&start, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		count_drop(SYSCALL_DROP_MAP_FULL);
		return 0;
	}
	*ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void emit_slow(__u32 id, __u64 pid_tgid, long ret, __u64 start_ns, __u64 end_ns)
{
	struct slow_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(SYSCALL_DROP_RINGBUF_FULL);
		return;
	}
	e->start_ns = start_ns;
	e->end_ns = end_ns;
	e->ret = ret;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->id = id;
	e->_pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, wakeup_flags(&events));
}

static __always_inline void count_error(__u32 id, __u32 pid, const char *comm, long ret)
{
	struct syscall_error_key ekey = {};
	static const __u64 one = 1;
	__u64 *n;
	long err;

	ekey.id = id;
	ekey.err = -ret;
	if (per_process) {
		ekey.pid = pid;
		__builtin_memcpy(ekey.comm, comm, TASK_COMM_LEN);
	}
	n = bpf_map_lookup_elem(&errors, &ekey);
	if (n) {
		*n += 1;
		return;
	}
	err = bpf_map_update_elem(&errors, &ekey, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		n = bpf_map_lookup_elem(&errors, &ekey);
		if (n)
			*n += 1;
	} else if (err) {
		count_drop(SYSCALL_DROP_MAP_FULL);
	}
}

/* per_process: the (id, pid, comm) entry of `hists`, created when missing. */
static __always_inline struct syscall_value *process_value(const struct syscall_key *key)
{
	struct syscall_value *val;
	long err;

	val = bpf_map_lookup_elem(&hists, key);
	if (val)
		return val;
	{
		struct syscall_value zero;

		__builtin_memset(&zero, 0, sizeof(zero));
		err = bpf_map_update_elem(&hists, key, &zero, BPF_NOEXIST);
	}
	if (err && err != -EEXIST) {
		count_drop(SYSCALL_DROP_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&hists, key);
}

static __always_inline int on_exit(long sid, long ret)
{
	struct syscall_key key;
	__u64 pid_tgid, start_ns = 0, now = 0, delta = 0;
	__u64 *slots = NULL, *sum_ns = NULL, *ncalls = NULL;
	__u32 id, slot;
	bool failed = ret < 0 && ret >= -MAX_ERRNO;

	if (sid < 0)
		return 0;
	id = sid;
	pid_tgid = bpf_get_current_pid_tgid();

	if (need_start()) {
		__u64 *tsp = bpf_task_storage_get(&start, bpf_get_current_task_btf(), 0, 0);

		if (tsp && *tsp) {
			/* sys_enter already applied the filters. */
			start_ns = *tsp;
			*tsp = 0;
		}
	}
	if (failed_only && !failed)
		return 0;
	if (!start_ns && !wanted_task(id, pid_tgid >> 32))
		return 0;
	if (per_process || filter_comms_on || (slow_threshold_ns && start_ns)) {
		bpf_get_current_comm(key.comm, sizeof(key.comm));
		if (!start_ns && !comm_wanted(key.comm))
			return 0;
	}
	if (start_ns) {
		now = bpf_ktime_get_ns();
		delta = now - start_ns;
	}

	if (per_process) {
		struct syscall_value *val;

		key.id = id;
		key.pid = pid_tgid >> 32;
		val = process_value(&key);
		if (val) {
			ncalls = &val->calls;
			sum_ns = &val->sum_ns;
			slots = val->slots;
		}
	} else {
		struct syscall_latency *lat;

		if (id >= SYSCALL_MAX_ID) {
			count_drop(SYSCALL_DROP_ID_RANGE);
			return 0;
		}
		ncalls = bpf_map_lookup_elem(&calls, &id);
		if (latency && start_ns) {
			lat = bpf_map_lookup_elem(&latency_by_id, &id);
			if (lat) {
				sum_ns = &lat->sum_ns;
				slots = lat->slots;
			}
		}
	}
	if (ncalls)
		*ncalls += 1;
	if (latency && start_ns && slots && sum_ns) {
		slot = log2_slot(delta, SYSCALL_N_SLOTS);
		*sum_ns += delta;
		slots[slot] += 1;
	}

	if (failed)
		count_error(id, pid_tgid >> 32, key.comm, ret);
	if (start_ns && slow_threshold_ns && delta >= slow_threshold_ns)
		emit_slow(id, pid_tgid, ret, start_ns, now);
	return 0;
}

/* The syscall number at sys_exit, from the saved registers. */
#if defined(__TARGET_ARCH_x86)
#define REGS_SYSCALL_NR(regs) ((regs)->orig_ax)
#define CORE_SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define REGS_SYSCALL_NR(regs) ((regs)->syscallno)
#define CORE_SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#else
#error "syscall.bpf.c: the syscall number register is only known for x86 and arm64"
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(sc_btf_enter, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sc_btf_exit, struct pt_regs *regs, long ret)
{
	return on_exit(REGS_SYSCALL_NR(regs), ret);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sc_raw_enter, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sc_raw_exit, struct pt_regs *regs, long ret)
{
	return on_exit(CORE_SYSCALL_NR(regs), ret);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sc_tp_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->id);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sc_tp_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->id, ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
