// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The blockio receiver's kernel side: block I/O requests from the block
 * tracepoints block_rq_insert, block_rq_issue and block_rq_complete.
 *
 * A request is tracked in `start` (keyed by its struct request pointer)
 * from its insert into the I/O scheduler (hooked only with queue_time or
 * slow requests on) or its issue to the driver, to its completion. The
 * device filter runs once, at the first hook that sees the request: what is
 * not tracked is never counted. At completion the request's (disk,
 * direction) series in the per-CPU hash `hists` gets its operation, bytes
 * and issue -> complete latency (log2 histogram), and with queue_time its
 * insert -> issue time; a request slower than slow_threshold_ns is streamed
 * through `events` with the pid and comm recorded at insert (the submitter,
 * for requests that go through the scheduler) or at issue when there was no
 * insert (direct issue: still the submitter, unless a kworker dispatched it).
 *
 * A request merged into another at the scheduler (block_rq_merge) is
 * forgotten there. An entry left behind by a request whose completion was
 * not seen is told from a later request at the same address by the
 * request's start_time_ns (`gen`): it is then replaced, or dropped at that
 * request's completion (a flush's empty PREFLUSH write completes without an
 * insert or issue of its own), and counted: the kernel called the
 * tracepoint without our program (some kernels skip BPF tracing programs
 * in chosen task contexts, e.g. a completion softirq that interrupted such
 * a task, with no recursion miss), so the request was never measured.
 *
 * Two variants of every program: tp_btf (preferred) and raw_tp (fallback);
 * both read struct request with CO-RE, so the body is shared. The classic
 * tracepoints (block/block_rq_*) are no fallback: their records carry no
 * request pointer to match an issue with its completion.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bits.bpf.h"
#include "blockio.h"
#define DROPS_MAX_ENTRIES BLOCKIO_N_DROPS
#include "drops.bpf.h"
#include "ringbuf.bpf.h"

#define REQ_OP_MASK 0xff	/* (1 << REQ_OP_BITS) - 1 */
#define MINORBITS 20		/* the kernel's dev_t: major << 20 | minor */

/* Tunables, set before load (receivers/blockio/receiver.ts). */
const volatile bool queue_time = false;		/* insert -> issue histograms (hooks insert) */
const volatile __u64 slow_threshold_ns = 0;	/* stream requests at least this slow (0: off) */
const volatile bool filter_devs_on = false;	/* only the disks in filter_devs */

/* Requests in flight, by struct request pointer. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct blockio_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct blockio_key);
	__type(value, struct blockio_value);
} hists SEC(".maps");

/* One all-zero blockio_value: the initial value of new `hists` entries (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct blockio_value);
} zero_value SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Disks (kernel dev_t) to trace when filter_devs_on. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BLOCKIO_MAX_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} filter_devs SEC(".maps");

/* Keeps struct blockio_event in the object's BTF (the layout test reads it there). */
struct blockio_event *unused_blockio_event __attribute__((unused));

static __always_inline bool need_insert(void)
{
	return queue_time || slow_threshold_ns;
}

/* The kernel dev_t of the request's disk (partitions count as their disk). */
static __always_inline __u32 disk_dev(struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);

	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) | (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline bool wanted(struct request *rq)
{
	__u32 dev;

	if (!filter_devs_on)
		return true;
	dev = disk_dev(rq);
	return bpf_map_lookup_elem(&filter_devs, &dev) != NULL;
}

static __always_inline __u32 direction(__u32 cmd_flags)
{
	switch (cmd_flags & REQ_OP_MASK) {
	case REQ_OP_READ:
		return BLOCKIO_DIR_READ;
	case REQ_OP_WRITE:
	case REQ_OP_WRITE_ZEROES:
		return BLOCKIO_DIR_WRITE;
	case REQ_OP_FLUSH:
		return BLOCKIO_DIR_FLUSH;
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
		return BLOCKIO_DIR_DISCARD;
	default:
		return BLOCKIO_DIR_OTHER;
	}
}

/* Records the task that is submitting the request now. */
static __always_inline void set_submitter(struct blockio_start *s)
{
	s->pid = bpf_get_current_pid_tgid() >> 32;
	s->_pad = 0;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

/* What tells this request from an earlier one at the same address (0 when the kernel did not stamp it). */
static __always_inline __u64 generation(struct request *rq)
{
	return BPF_CORE_READ(rq, start_time_ns);
}

/*
 * Counts the loss an entry left by an earlier request at the same address
 * stands for: issued and never seen completing, or seen at insert and never
 * seen issued or merged.
 */
static __always_inline void count_stale(const struct blockio_start *old)
{
	count_drop(old->issue_ns ? BLOCKIO_DROP_COMPLETION_UNSEEN : BLOCKIO_DROP_ISSUE_UNSEEN);
}

/* Counts the entry at `key` as lost when it is an earlier request's than the one of generation `gen`. */
static __always_inline void check_stale(__u64 key, __u64 gen)
{
	struct blockio_start *old = bpf_map_lookup_elem(&start, &key);

	if (old && old->gen != gen)
		count_stale(old);
}

static __always_inline int on_insert(struct request *rq)
{
	struct blockio_start s = {};
	__u64 key = (__u64)rq;

	if (!need_insert() || !wanted(rq))
		return 0;
	s.gen = generation(rq);
	check_stale(key, s.gen);
	s.insert_ns = bpf_ktime_get_ns();
	if (slow_threshold_ns)
		set_submitter(&s);
	if (bpf_map_update_elem(&start, &key, &s, BPF_ANY))
		count_drop(BLOCKIO_DROP_START_FULL);
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct blockio_start *sp;
	struct blockio_start s = {};

	__u64 gen = generation(rq);

	sp = bpf_map_lookup_elem(&start, &key);
	if (sp && sp->gen == gen && need_insert()) {
		/* Inserted (and filtered) before; or a requeued request issued again. */
		sp->issue_ns = bpf_ktime_get_ns();
		return 0;
	}
	if (!wanted(rq))
		return 0;
	if (sp && sp->gen != gen)
		count_stale(sp);
	if (slow_threshold_ns)
		set_submitter(&s);
	s.gen = gen;
	s.issue_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&start, &key, &s, BPF_ANY))
		count_drop(BLOCKIO_DROP_START_FULL);
	return 0;
}

static __always_inline int on_merge(struct request *rq)
{
	__u64 key = (__u64)rq;

	bpf_map_delete_elem(&start, &key);
	return 0;
}

/* The `hists` entry of a series, created when missing; NULL (counted) when the map is full. */
static __always_inline struct blockio_value *series(const struct blockio_key *key)
{
	__u32 zero = 0;
	struct blockio_value *init = bpf_map_lookup_elem(&zero_value, &zero);
	struct blockio_value *val;

	if (!init)
		return NULL;
	val = lookup_or_try_init(&hists, key, init);
	if (!val)
		count_drop(BLOCKIO_DROP_MAP_FULL);
	return val;
}

static __always_inline void emit_slow(struct request *rq, const struct blockio_start *s, const struct blockio_key *key,
				      __u64 now, __u32 bytes, __u32 status)
{
	struct blockio_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(BLOCKIO_DROP_RINGBUF_FULL);
		return;
	}
	e->issue_ns = s->issue_ns;
	e->complete_ns = now;
	e->insert_ns = s->insert_ns;
	e->sector = BPF_CORE_READ(rq, __sector);
	e->dev = key->dev;
	e->bytes = bytes;
	e->dir = key->dir;
	e->pid = s->pid;
	e->status = status;
	e->_pad = 0;
	__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, wakeup_flags(&events));
}

static __always_inline int on_complete(struct request *rq, __u32 status, __u32 nr_bytes)
{
	__u64 rkey = (__u64)rq;
	struct blockio_start *sp, s;
	struct blockio_key key;
	struct blockio_value *val;
	__u64 now, delta;

	sp = bpf_map_lookup_elem(&start, &rkey);
	if (!sp)
		return 0;
	if (!sp->issue_ns || sp->gen != generation(rq)) {
		/*
		 * The entry is an earlier request's (whose completion, or issue, we
		 * did not see), or this request completes without the issue we
		 * should have seen after its insert: count the loss, forget it.
		 */
		if (sp->gen != generation(rq))
			count_stale(sp);
		else
			count_drop(BLOCKIO_DROP_ISSUE_UNSEEN);
		bpf_map_delete_elem(&start, &rkey);
		return 0;
	}
	key.dev = disk_dev(rq);
	key.dir = direction(BPF_CORE_READ(rq, cmd_flags));
	val = series(&key);
	if (nr_bytes < BPF_CORE_READ(rq, __data_len)) {
		/* A partial completion: the rest completes later, as the same request. */
		if (val)
			val->bytes += nr_bytes;
		return 0;
	}
	s = *sp;
	bpf_map_delete_elem(&start, &rkey);
	now = bpf_ktime_get_ns();
	delta = now - s.issue_ns;
	if (val) {
		val->ops += 1;
		val->bytes += nr_bytes;
		val->sum_ns += delta;
		val->slots[log2_slot(delta, BLOCKIO_N_SLOTS)] += 1;
		if (queue_time && s.insert_ns && s.issue_ns >= s.insert_ns) {
			__u64 queued = s.issue_ns - s.insert_ns;

			val->queued += 1;
			val->queue_sum_ns += queued;
			val->queue_slots[log2_slot(queued, BLOCKIO_N_SLOTS)] += 1;
		}
	}
	if (slow_threshold_ns && delta >= slow_threshold_ns)
		emit_slow(rq, &s, &key, now, nr_bytes, status);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(rq_btf_insert, struct request *rq)
{
	return on_insert(rq);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(rq_btf_issue, struct request *rq)
{
	return on_issue(rq);
}

SEC("tp_btf/block_rq_merge")
int BPF_PROG(rq_btf_merge, struct request *rq)
{
	return on_merge(rq);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(rq_btf_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(rq_raw_insert, struct request *rq)
{
	return on_insert(rq);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(rq_raw_issue, struct request *rq)
{
	return on_issue(rq);
}

SEC("raw_tp/block_rq_merge")
int BPF_PROG(rq_raw_merge, struct request *rq)
{
	return on_merge(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(rq_raw_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
