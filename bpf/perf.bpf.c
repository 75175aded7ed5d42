// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The perf receiver's kernel side: a CPU profiler. A software cpu-clock
 * perf event on every CPU runs `perf_sample` `frequency` times a second;
 * each run counts one sample under (tgid, tid, user stack id, kernel stack
 * id, comm) in a hash map, and the stacks themselves go to the `stacks`
 * stack-trace map. User space (receivers/perf) drains the counts every
 * collection_interval and symbolizes the stacks.
 *
 * Double buffering: the program counts into `counts_0` or `counts_1`, the
 * one `generation[0]` (even/odd) names. User space flips the generation,
 * then reads and deletes the other map, so no sample lands in a map while
 * it is being drained (only a program that read the old generation a few
 * microseconds before the flip can still add to it; it is read next time).
 *
 * New processes: the first sample of a process announces it in `new_pids`
 * (with its name), so user space reads its mappings once, while it lives.
 * An exec (new mappings) or the exit of the process (its pid may be reused)
 * forgets it in `seen_pids`: its next sample announces it again.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "perf.h"
#define DROPS_MAX_ENTRIES PERF_N_DROPS
#include "drops.bpf.h"
#define FILTER_MAX_ENTRIES PERF_MAX_FILTER
#define FILTER_CGROUP
#include "filters.bpf.h"

#define EEXIST 17
#define PF_KTHREAD 0x00200000
#define PF_EXITING 0x00000004

/* Tunables, set before load (receivers/perf/receiver.ts). */
const volatile bool include_kernel = true;	/* collect kernel stacks */
const volatile bool include_idle = false;	/* count the idle task (pid 0) */

/* Samples by struct perf_sample_key: two maps, see "Double buffering" above. */
struct counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct perf_sample_key);
	__type(value, __u64);
};
struct counts_map counts_0 SEC(".maps");
struct counts_map counts_1 SEC(".maps");

/* Which counts map the program writes: counts_<generation[0] & 1>. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} generation SEC(".maps");

/* Stack traces (instruction pointers, leaf first, zero-terminated) by stack id. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 10240);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Processes sampled at least once since their exec: a new one is announced in `new_pids`. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PERF_MAX_SEEN_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} seen_pids SEC(".maps");

/* First sight of a process, so user space reads its mappings while it lives. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} new_pids SEC(".maps");

/* Keeps struct perf_new_pid in the object's BTF (the layout test reads it there). */
struct perf_new_pid *unused_perf_new_pid __attribute__((unused));

/* Whether the sample interrupted kernel code (else user code: no kernel stack to take). */
static __always_inline bool in_kernel_mode(struct bpf_perf_event_data *ctx)
{
#if defined(__TARGET_ARCH_x86)
	/* The context allows only 8-byte reads of the registers: read cs's whole word. */
	__u64 cs = *(__u64 *)((void *)&ctx->regs + __builtin_offsetof(struct pt_regs, cs));

	return (cs & 3) == 0;
#elif defined(__TARGET_ARCH_arm64)
	return (ctx->regs.pstate & 0xf) != 0;	/* PSR_MODE_EL0t is 0 */
#else
#error "perf.bpf.c: user/kernel mode is only known for x86 and arm64"
#endif
}

/* A stack id, or -1 with the failure counted (-EEXIST: a hash collision in `stacks`). */
static __always_inline __s32 stack_id(struct bpf_perf_event_data *ctx, __u64 flags, __u32 collision, __u32 failed)
{
	long id = bpf_get_stackid(ctx, &stacks, flags);

	if (id >= 0)
		return id;
	count_drop(id == -EEXIST ? collision : failed);
	return -1;
}

static __always_inline void announce_pid(__u32 tgid, struct task_struct *task)
{
	static const __u8 one = 1;
	struct perf_new_pid *e;

	if (bpf_map_lookup_elem(&seen_pids, &tgid))
		return;
	e = bpf_ringbuf_reserve(&new_pids, sizeof(*e), 0);
	if (!e) {
		/* Not marked seen: the next sample tries again. */
		count_drop(PERF_DROP_NEW_PID_LOST);
		return;
	}
	e->tgid = tgid;
	e->_pad = 0;
	if (BPF_CORE_READ_STR_INTO(&e->comm, task, group_leader, comm) < 0)
		e->comm[0] = 0;
	bpf_ringbuf_submit(e, 0);
	bpf_map_update_elem(&seen_pids, &tgid, &one, BPF_ANY);
}

static __always_inline void count_sample(void *counts, const struct perf_sample_key *key)
{
	static const __u64 one = 1;
	__u64 *n;
	long err;

	n = bpf_map_lookup_elem(counts, key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* Another CPU inserted it first. */
		n = bpf_map_lookup_elem(counts, key);
		if (n)
			__sync_fetch_and_add(n, 1);
	} else if (err) {
		count_drop(PERF_DROP_MAP_FULL);
	}
}

SEC("perf_event")
int perf_sample(struct bpf_perf_event_data *ctx)
{
	struct perf_sample_key key;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct task_struct *task;
	__u32 zero = 0, *gen, flags;
	bool kthread, no_user;

	if (tid == 0 && !include_idle)
		return 0;
	if (!pid_wanted(tgid) || !cgroup_wanted())
		return 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	if (!comm_wanted(key.comm))
		return 0;

	key.tgid = tgid;
	key.pid = tid;
	task = (struct task_struct *)bpf_get_current_task();
	flags = BPF_CORE_READ(task, flags);
	kthread = tid == 0 || (flags & PF_KTHREAD);
	/* A kernel thread has no user stack; neither has a task whose memory is being torn down at exit. */
	no_user = kthread || (flags & PF_EXITING);
	key.user_stack_id = no_user ? -1 :
		stack_id(ctx, BPF_F_USER_STACK, PERF_DROP_USER_STACK_COLLISION, PERF_DROP_USER_STACK_FAILED);
	key.kernel_stack_id = include_kernel && in_kernel_mode(ctx) ?
		stack_id(ctx, 0, PERF_DROP_KERNEL_STACK_COLLISION, PERF_DROP_KERNEL_STACK_FAILED) : -1;

	/* Only a task with user frames needs its mappings read (an exiting one has none left to read). */
	if (!no_user)
		announce_pid(tgid, task);
	gen = bpf_map_lookup_elem(&generation, &zero);
	if (gen && (*gen & 1))
		count_sample(&counts_1, &key);
	else
		count_sample(&counts_0, &key);
	return 0;
}

/* An exec replaces the mappings: the process's next sample announces it again. */
SEC("tp_btf/sched_process_exec")
int perf_exec(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&seen_pids, &tgid);
	return 0;
}

/* The main thread exits: the pid may be reused by another process, announced anew. */
SEC("tp_btf/sched_process_exit")
int perf_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;

	if (tgid == (__u32)pid_tgid)
		bpf_map_delete_elem(&seen_pids, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
