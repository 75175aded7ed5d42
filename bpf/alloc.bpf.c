// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The alloc receiver's kernel side, memleak-style: uprobes and uretprobes on
 * the C library's malloc family. The entry probe stashes the requested size
 * per thread in `pending`; the return probe counts the allocation in the
 * process's totals (`processes`) and, for every sample_every-th allocation
 * of that process, records the block in `allocs` (address -> size, time,
 * user stack id in `stacks`); free() deletes the record and counts the freed
 * bytes. receivers/alloc reads the maps on an interval: totals as metrics,
 * old records grouped by stack as the leak report.
 *
 * Only the outermost call of a thread counts: glibc's realloc may call
 * malloc and free itself, and those inner probes see the outer call's
 * entry in `pending` (its stack pointer is above theirs) and step aside.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "alloc.h"
#define DROPS_MAX_ENTRIES ALLOC_N_DROPS
#include "drops.bpf.h"
#define FILTER_MAX_ENTRIES ALLOC_MAX_FILTER
#include "filters.bpf.h"

#define EEXIST 17

/*
 * Debian 12's libbpf 1.1 headers have no BPF_UPROBE/BPF_URETPROBE: BPF_KPROBE and
 * BPF_KRETPROBE read the same pt_regs arguments for SEC("uprobe") programs.
 */

/* Tunables, set before load (receivers/alloc/receiver.ts). */
const volatile __u32 self_pid = 0;		/* this tgid is never traced (0: none) */
const volatile __u64 sample_every = 1;		/* track every N-th allocation of a process */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ALLOC_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct alloc_pending);
} pending SEC(".maps");

/* Live tracked blocks (max_entries set by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct alloc_key);
	__type(value, struct alloc_info);
} allocs SEC(".maps");

/* User stacks of tracked allocations (max_entries set by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, ALLOC_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Totals by process (max_entries set by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct alloc_process);
} processes SEC(".maps");

/* With `kernel`: kmalloc calls of the traced processes by kernel call site (max_entries set by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct alloc_kmalloc_site);
} kmalloc_sites SEC(".maps");

static __always_inline bool wanted(__u32 tgid)
{
	if (self_pid && tgid == self_pid)
		return false;
	return pid_wanted(tgid) && current_comm_wanted();
}

/* Entry of an allocating call: remember what the return probe needs. */
static __always_inline int enter(struct pt_regs *ctx, __u64 size, __u64 ptr, __u32 kind)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u64 sp = PT_REGS_SP(ctx);
	struct alloc_pending *outer, p = {};

	if (!wanted(pid_tgid >> 32))
		return 0;
	outer = bpf_map_lookup_elem(&pending, &tid);
	/* Nested in a call in progress (its frame is above ours): the outer call counts. */
	if (outer && sp < outer->sp)
		return 0;
	p.size = size;
	p.sp = sp;
	p.ptr = ptr;
	p.kind = kind;
	if (bpf_map_update_elem(&pending, &tid, &p, BPF_ANY))
		count_drop(ALLOC_DROP_PENDING_FULL);
	return 0;
}

/* The `processes` entry of `tgid`, created when missing. */
static __always_inline struct alloc_process *process_of(__u32 tgid)
{
	struct alloc_process *proc, zero = {};
	long err;

	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (proc)
		return proc;
	/* The process's name: its main thread's, whichever thread allocates first. */
	BPF_CORE_READ_STR_INTO(&zero.comm, (struct task_struct *)bpf_get_current_task(), group_leader, comm);
	err = bpf_map_update_elem(&processes, &tgid, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		count_drop(ALLOC_DROP_PROCESSES_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&processes, &tgid);
}

/* Forgets a tracked block of `tgid` (free, or the old block of a realloc) and counts it freed. */
static __always_inline void release(__u32 tgid, __u64 addr)
{
	struct alloc_key key = { .addr = addr, .pid = tgid };
	struct alloc_info *info;
	struct alloc_process *proc;
	__u64 size;

	if (!addr)
		return;
	info = bpf_map_lookup_elem(&allocs, &key);
	if (!info)
		return;
	size = info->size;
	/* Only the caller that deletes the record counts it (two racing frees of one block). */
	if (bpf_map_delete_elem(&allocs, &key))
		return;
	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (proc) {
		__sync_fetch_and_add(&proc->tracked_freed, 1);
		__sync_fetch_and_add(&proc->tracked_freed_bytes, size);
	}
}

/* Return of an allocating call: count it, and track every sample_every-th block. */
static __always_inline int leave(struct pt_regs *ctx, __u64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32;
	struct alloc_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct alloc_process *proc;
	struct alloc_info info = {};
	struct alloc_key key = {};
	__u64 addr, size, ptr, n;
	__u32 kind;

	if (!p)
		return 0;
	/* A nested call returning: its stack pointer is below the outer call's. */
	if (PT_REGS_SP(ctx) < p->sp)
		return 0;
	size = p->size;
	ptr = p->ptr;
	kind = p->kind;
	bpf_map_delete_elem(&pending, &tid);

	addr = ret;
	if (kind == ALLOC_KIND_POSIX_MEMALIGN) {
		if (ret != 0 || !ptr || bpf_probe_read_user(&addr, sizeof(addr), (void *)ptr))
			return 0;
	} else if (kind == ALLOC_KIND_MMAP) {
		if (ret == (__u64)-1)
			return 0;
	} else if (kind == ALLOC_KIND_REALLOC) {
		/* realloc frees the old block when it succeeds, or when size is 0 (glibc returns NULL then). */
		if (ret || !size)
			release(tgid, ptr);
	}
	if (!addr)
		return 0;

	proc = process_of(tgid);
	if (!proc)
		return 0;
	n = __sync_fetch_and_add(&proc->allocations, 1) + 1;
	__sync_fetch_and_add(&proc->allocated_bytes, size);
	if (sample_every > 1 && n % sample_every)
		return 0;

	key.addr = addr;
	key.pid = tgid;
	info.size = size;
	info.timestamp_ns = bpf_ktime_get_ns();
	/* At the return the registers are the caller's: its frame is the stack's first. */
	info.stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	if (info.stack_id < 0)
		count_drop(ALLOC_DROP_STACK_MISSING);
	if (bpf_map_update_elem(&allocs, &key, &info, BPF_ANY)) {
		count_drop(ALLOC_DROP_ALLOCS_FULL);
		return 0;
	}
	__sync_fetch_and_add(&proc->tracked, 1);
	__sync_fetch_and_add(&proc->tracked_bytes, size);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size)
{
	return enter(ctx, size, 0, ALLOC_KIND_PLAIN);
}

SEC("uretprobe")
int BPF_KRETPROBE(malloc_exit, __u64 ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 nmemb, __u64 size)
{
	return enter(ctx, nmemb * size, 0, ALLOC_KIND_PLAIN);
}

SEC("uretprobe")
int BPF_KRETPROBE(calloc_exit, __u64 ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, __u64 ptr, __u64 size)
{
	return enter(ctx, size, ptr, ALLOC_KIND_REALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(realloc_exit, __u64 ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_enter, __u64 alignment, __u64 size)
{
	return enter(ctx, size, 0, ALLOC_KIND_PLAIN);
}

SEC("uretprobe")
int BPF_KRETPROBE(aligned_alloc_exit, __u64 ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, __u64 memptr, __u64 alignment, __u64 size)
{
	return enter(ctx, size, memptr, ALLOC_KIND_POSIX_MEMALIGN);
}

SEC("uretprobe")
int BPF_KRETPROBE(posix_memalign_exit, __u64 ret)
{
	return leave(ctx, ret);
}

/*
 * mmap/munmap (with the `mmap` setting; attached only then). An mmap the
 * allocator makes inside malloc is nested, so not counted twice; munmap
 * forgets a tracked mapping by its start address (a partial munmap of it
 * forgets it whole).
 */
SEC("uprobe")
int BPF_KPROBE(mmap_enter, __u64 addr, __u64 length)
{
	return enter(ctx, length, 0, ALLOC_KIND_MMAP);
}

SEC("uretprobe")
int BPF_KRETPROBE(mmap_exit, __u64 ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(munmap_enter, __u64 addr)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (self_pid && tgid == self_pid)
		return 0;
	release(tgid, addr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 addr)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!addr || (self_pid && tgid == self_pid))
		return 0;
	/* No other filter: a block of another process is simply not in `allocs`. */
	release(tgid, addr);
	return 0;
}

/*
 * kmem:kmalloc (with `kernel`; loaded only then): the traced processes'
 * kmalloc calls, counted by call site. Allocations made in interrupts are
 * charged to whatever task was running, as the tracepoint sees them.
 */
SEC("tp_btf/kmalloc")
int BPF_PROG(kmalloc, unsigned long call_site, const void *ptr, size_t bytes_req)
{
	struct alloc_kmalloc_site *site, zero = {};
	__u64 key = call_site;
	long err;

	if (!ptr || !wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	site = bpf_map_lookup_elem(&kmalloc_sites, &key);
	if (!site) {
		err = bpf_map_update_elem(&kmalloc_sites, &key, &zero, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			count_drop(ALLOC_DROP_KMALLOC_SITES_FULL);
			return 0;
		}
		site = bpf_map_lookup_elem(&kmalloc_sites, &key);
		if (!site)
			return 0;
	}
	/* Per-CPU: no atomics (see the syscall receiver on per-CPU values). */
	site->count += 1;
	site->bytes_req += bytes_req;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
