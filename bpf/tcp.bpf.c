// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The tcp receiver's kernel side: TCP connection lifecycle from
 * sock:inet_sock_set_state, retransmits from tcp:tcp_retransmit_skb, resets
 * from tcp:tcp_send_reset / tcp:tcp_receive_reset.
 *
 * A connection is tracked in `start` (keyed by its struct sock pointer) from
 * its open (-> SYN_SENT: outbound, owner = current; SYN_RECV -> ESTABLISHED:
 * inbound, in softirq, owner unknown until the owner calls close()) to its
 * close (-> CLOSE). The filters run once, at open: what is not tracked is
 * never counted. Counters and log2 histograms (connection duration, connect
 * latency, smoothed RTT) are aggregated in the per-CPU hash `hists`
 * keyed by (direction, comm[, peer address and port]) and read by
 * receivers/tcp on an interval; every close is streamed through `events`.
 *
 * RTT: tcp:tcp_probe fires for every segment an established socket receives,
 * far too often to count each. A tracked connection adds its smoothed RTT
 * (srtt) to the histogram once it is rtt_sample_interval_ns old, then only
 * when srtt moved to another log2 slot since its last sample, or the interval
 * has passed since it: at most one sample per interval per connection, plus
 * one per slot change (a few). The close adds srtt too when its slot changed
 * (or no sample was taken yet), so the slot of every connection's last srtt
 * is always in the histogram, and a connection shorter than the interval
 * counts once, at its close, at the cost of no histogram update per segment.
 *
 * Retransmits count segments, as the kernel's TcpRetransSegs does: each
 * tcp:tcp_retransmit_skb with err 0 (sent) adds the skb's tcp_skb_pcount
 * (TCP_SKB_CB(skb)->tcp_gso_segs, what the MIB adds). A failed send (err != 0:
 * the kernel counts those in TCPRetransFail too) is not a retransmitted segment.
 * A tracked connection's close reconciles its series with the socket's own
 * count (tcp_sock.total_retrans: the same segments, failed sends included):
 * what the program did not see is added then, as sent. That is an inbound
 * connection's SYN-ACK retransmits (made by its request socket, before it was
 * tracked) and any retransmit the kernel ran no program for (this machine's
 * kernel skips tracing programs while a task of thread group 1 is current,
 * softirq work included, and counts no miss).
 *
 * Two variants of every program: tp_btf (preferred) and raw_tp (fallback),
 * one body. The tp_btf programs' arguments are typed, trusted pointers, so
 * they read the socket with plain loads; the raw_tp ones with CO-RE probe
 * reads, a helper call each (about 40 a connection: program time 3.6 us a
 * connection against 2.7 for tp_btf here; bench/tcp/parts.js --stats).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bits.bpf.h"
#include "tcp.h"
#define DROPS_MAX_ENTRIES TCP_N_DROPS
#include "drops.bpf.h"
#include "ringbuf.bpf.h"
#define FILTER_MAX_ENTRIES TCP_MAX_FILTER
#include "filters.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

/* Tunables, set before load (receivers/tcp/receiver.ts). */
const volatile __u32 self_pid = 0;		/* connections this tgid opens are not tracked (0: none) */
const volatile bool peer_attributes = false;	/* key `hists` by peer address and port too */
const volatile bool emit_events = true;		/* stream each close through `events` */
const volatile bool ignore_loopback = false;	/* skip connections whose peer is a loopback address */
const volatile bool filter_ports_on = false;	/* only connections with a local or peer port in filter_ports */
/* A connection's RTT is sampled at most this often unless srtt changes log2 slot (see above). */
const volatile __u64 rtt_sample_interval_ns = 100000000;

/* Tracked connections, by struct sock pointer. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcp_conn);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tcp_series_key);
	__type(value, struct tcp_series);
} hists SEC(".maps");

/*
 * The connections last closed on each CPU, for a reset sent after the close:
 * close() of a socket with unread data or SO_LINGER 0 moves it to CLOSE, then
 * sends the reset, in the same call (tcp_close, tcp_disconnect). On loopback
 * the peer's own close runs in between (the softirq that takes the reset in),
 * so a few are kept. A per-CPU ring costs a close a store; an LRU hash of
 * closed sockets cost it an update (~0.3 us a connection).
 */
#define LAST_CLOSED 4

struct last_closed {
	__u32 next;
	__u32 _pad;
	struct {
		__u64 sk;
		struct tcp_series_key key;
	} slots[LAST_CLOSED];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_closed);
} last_closed SEC(".maps");

/* One all-zero tcp_series: the initial value of new `hists` entries (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_series);
} zero_value SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/* Ports in host order. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCP_MAX_FILTER);
	__type(key, __u16);
	__type(value, __u8);
} filter_ports SEC(".maps");

/* Keeps struct tcp_close_event in the object's BTF (the layout test reads it there). */
struct tcp_close_event *unused_tcp_close_event __attribute__((unused));

static __always_inline bool any_filter(void)
{
	return self_pid || ignore_loopback || filter_pids_on || filter_comms_on || filter_ports_on;
}

/* The `hists` entry of a series, created when missing; NULL (counted) when the map is full. */
static __always_inline struct tcp_series *series(const struct tcp_series_key *key)
{
	__u32 zero = 0;
	struct tcp_series *init = bpf_map_lookup_elem(&zero_value, &zero);
	struct tcp_series *val;

	if (!init)
		return NULL;
	val = lookup_or_try_init(&hists, key, init);
	if (!val)
		count_drop(TCP_DROP_MAP_FULL);
	return val;
}

/*
 * A field of a kernel struct: a plain load where `btf` (the tp_btf programs),
 * else a CO-RE probe read. `btf` is a constant at every call site (the bodies
 * are always inlined), so each program keeps one of the two.
 */
#define READ(btf, ptr, field) ((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))

/*
 * The socket as a tcp_sock. A tp_btf program may read a typed pointer only
 * within its type, so it needs the kernel's checked cast to read past struct
 * sock (NULL: not a full TCP socket); a probe read reads anywhere.
 */
static __always_inline const struct tcp_sock *tcp_sk_of(const struct sock *sk, bool btf)
{
	return btf ? bpf_skc_to_tcp_sock((void *)sk) : (const struct tcp_sock *)sk;
}

static __always_inline __u16 peer_port_of(const struct sock *sk, bool btf)
{
	return bpf_ntohs(READ(btf, sk, __sk_common.skc_dport));
}

/* Copies the peer (or local) address: 4 bytes for IPv4, 16 for IPv6. */
static __always_inline void read_addr(const struct sock *sk, __u16 family, bool peer, __u8 *out, bool btf)
{
	if (family == AF_INET) {
		*(__u32 *)out = peer ? READ(btf, sk, __sk_common.skc_daddr) : READ(btf, sk, __sk_common.skc_rcv_saddr);
	} else if (btf) {
		__builtin_memcpy(out, peer ? &sk->__sk_common.skc_v6_daddr : &sk->__sk_common.skc_v6_rcv_saddr, 16);
	} else if (peer) {
		BPF_CORE_READ_INTO((struct in6_addr *)out, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)out, sk, __sk_common.skc_v6_rcv_saddr);
	}
}

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static __always_inline bool is_loopback(__u16 family, const __u8 *a)
{
	if (family == AF_INET)
		return a[0] == 127;
	if (a[10] == 0xff && a[11] == 0xff) {
		for (int i = 0; i < 10; i++)
			if (a[i])
				return false;
		return a[12] == 127;
	}
	for (int i = 0; i < 15; i++)
		if (a[i])
			return false;
	return a[15] == 1;
}

/* Opens a tracked connection when the filters let it through. */
static __always_inline void track(const struct sock *sk, __u32 direction, __u64 now, bool btf)
{
	struct tcp_conn s = {};
	__u64 skp = (__u64)sk;
	__u16 family = READ(btf, sk, __sk_common.skc_family);
	__u16 lport = READ(btf, sk, __sk_common.skc_num);
	__u16 pport = peer_port_of(sk, btf);
	__u8 peer[16] = {};
	struct tcp_series *val;

	if (family != AF_INET && family != AF_INET6)
		return;
	if (direction == TCP_DIR_OUTBOUND) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (self_pid && tgid == self_pid)
			return;
		if (!pid_wanted(tgid))
			return;
		bpf_get_current_comm(s.comm, sizeof(s.comm));
		if (!comm_wanted(s.comm))
			return;
		s.pid = tgid;
	} else if (filter_pids_on || filter_comms_on) {
		return; /* the owner of a passive open is not known in softirq */
	}
	if (filter_ports_on && !bpf_map_lookup_elem(&filter_ports, &lport) && !bpf_map_lookup_elem(&filter_ports, &pport))
		return;
	read_addr(sk, family, true, peer, btf);
	if (ignore_loopback && is_loopback(family, peer))
		return;

	s.open_ns = now;
	s.local_port = lport;
	s.key.direction = direction;
	__builtin_memcpy(s.key.comm, s.comm, TASK_COMM_LEN);
	if (peer_attributes) {
		s.key.family = family;
		/* An inbound peer's port is ephemeral: one series per connection. Address only. */
		s.key.peer_port = direction == TCP_DIR_OUTBOUND ? pport : 0;
		__builtin_memcpy(s.key.peer_addr, peer, sizeof(peer));
	}
	if (bpf_map_update_elem(&start, &skp, &s, BPF_ANY)) {
		count_drop(TCP_DROP_START_FULL);
		return;
	}
	val = series(&s.key);
	if (val)
		val->opened += 1;
}

/*
 * Payload bytes the peer acknowledged and payload bytes received: bytes_acked
 * and bytes_received count sequence numbers, so the SYN (outbound, once
 * established) and the FINs (ours once acknowledged: we sent one and
 * everything up to write_seq is acknowledged; the peer's once received:
 * SOCK_DONE, set by tcp_fin()) come off.
 */
static __always_inline void payload_bytes(const struct sock *sk, const struct tcp_sock *tp, const struct tcp_conn *s, int oldstate, __u64 *sent, __u64 *received, bool btf)
{
	__u64 acked = READ(btf, tp, bytes_acked);
	__u64 rcvd = READ(btf, tp, bytes_received);
	bool fin_sent = oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING || oldstate == TCP_LAST_ACK;

	if (s->key.direction == TCP_DIR_OUTBOUND && s->connect_ns && acked)
		acked -= 1;
	if (fin_sent && acked && READ(btf, tp, snd_una) == READ(btf, tp, write_seq))
		acked -= 1;
	if (rcvd && (READ(btf, sk, __sk_common.skc_flags) & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))))
		rcvd -= 1;
	*sent = acked;
	*received = rcvd;
}

static __always_inline void on_close(const struct sock *sk, const struct tcp_sock *tp, struct tcp_conn *s, int oldstate, __u64 now, bool btf)
{
	__u64 skp = (__u64)sk;
	__u32 zero = 0;
	struct last_closed *last;
	__u64 acked, received;
	__u16 lport = READ(btf, sk, __sk_common.skc_num);
	__u32 srtt_us = READ(btf, tp, srtt_us) >> 3;
	__u32 retransmits = READ(btf, tp, total_retrans);
	__u32 rtt_slot = log2_slot(srtt_us, TCP_RTT_SLOTS) + 1;
	__u64 duration = now - s->open_ns;
	struct tcp_series *val = series(&s->key);
	struct tcp_close_event *e;

	payload_bytes(sk, tp, s, oldstate, &acked, &received, btf);
	if (!lport)
		lport = s->local_port;
	if (val) {
		if (retransmits > s->retransmits)
			val->retransmits += retransmits - s->retransmits;
		val->closed += 1;
		val->bytes_sent += acked;
		val->bytes_received += received;
		val->duration_sum_ns += duration;
		val->duration_slots[log2_slot(duration, TCP_N_SLOTS)] += 1;
		if (srtt_us && rtt_slot != s->rtt_slot) {
			val->rtt_sum_us += srtt_us;
			val->rtt_slots[rtt_slot - 1] += 1;
		}
	}
	if (emit_events) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			count_drop(TCP_DROP_RINGBUF_FULL);
		} else {
			__u16 family = READ(btf, sk, __sk_common.skc_family);

			e->start_ns = s->open_ns;
			e->end_ns = now;
			e->connect_ns = s->connect_ns;
			e->bytes_sent = acked;
			e->bytes_received = received;
			e->retransmits = retransmits;
			e->srtt_us = srtt_us;
			e->pid = s->pid;
			e->direction = s->key.direction;
			e->family = family;
			e->local_port = lport;
			e->peer_port = peer_port_of(sk, btf);
			e->_pad = 0;
			__builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
			__builtin_memset(e->peer_addr, 0, sizeof(e->peer_addr));
			read_addr(sk, family, false, e->local_addr, btf);
			read_addr(sk, family, true, e->peer_addr, btf);
			__builtin_memcpy(e->comm, s->comm, TASK_COMM_LEN);
			bpf_ringbuf_submit(e, wakeup_flags(&events));
		}
	}
	last = bpf_map_lookup_elem(&last_closed, &zero);
	if (last) {
		__u32 i = last->next++ % LAST_CLOSED;

		last->slots[i].sk = skp;
		last->slots[i].key = s->key;
	}
	bpf_map_delete_elem(&start, &skp);
}

static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate, bool btf)
{
	__u64 skp = (__u64)sk;
	bool owner_state = newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK;
	struct tcp_conn *s;
	__u64 now;

	/* FIN_WAIT2, CLOSE_WAIT, CLOSING, TIME_WAIT, LISTEN, SYN_RECV change nothing here: out before any read. */
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE && !owner_state)
		return 0;
	if (READ(btf, sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		track(sk, TCP_DIR_OUTBOUND, bpf_ktime_get_ns(), btf);
		return 0;
	}
	if (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_RECV) {
		track(sk, TCP_DIR_INBOUND, bpf_ktime_get_ns(), btf);
		return 0;
	}
	s = bpf_map_lookup_elem(&start, &skp);
	if (!s)
		return 0;
	if (owner_state) {
		/* close()/shutdown() of the owner: process context (as libbpf-tools' tcplife). */
		if (!s->pid) {
			s->pid = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(s->comm, sizeof(s->comm));
		}
		return 0;
	}
	now = bpf_ktime_get_ns();
	if (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_SENT) {
		struct tcp_series *val = series(&s->key);
		__u64 connect = now - s->open_ns;

		s->connect_ns = connect;
		s->local_port = READ(btf, sk, __sk_common.skc_num);
		if (val) {
			val->connect_sum_ns += connect;
			val->connect_slots[log2_slot(connect, TCP_N_SLOTS)] += 1;
		}
	} else if (newstate == TCP_CLOSE) {
		const struct tcp_sock *tp = tcp_sk_of(sk, btf);

		if (tp)
			on_close(sk, tp, s, oldstate, now, btf);
		else
			bpf_map_delete_elem(&start, &skp);
	}
	return 0;
}

/*
 * tcp:tcp_probe: adds the connection's srtt to the RTT histogram when it
 * changed log2 slot since the last sample or the sampling interval passed.
 */
static __always_inline void on_probe(const struct sock *sk, bool btf)
{
	const struct tcp_sock *tp;
	__u64 skp = (__u64)sk;
	struct tcp_conn *s = bpf_map_lookup_elem(&start, &skp);
	struct tcp_series *val;
	__u32 srtt_us, slot;
	__u64 now;

	if (!s)
		return;
	now = bpf_ktime_get_ns();
	if (!s->rtt_slot && now - s->open_ns < rtt_sample_interval_ns)
		return; /* its first sample waits for its first interval, or its close */
	tp = tcp_sk_of(sk, btf);
	if (!tp)
		return;
	srtt_us = READ(btf, tp, srtt_us) >> 3;
	if (!srtt_us)
		return;
	slot = log2_slot(srtt_us, TCP_RTT_SLOTS);
	if (slot + 1 == s->rtt_slot && now - s->rtt_sample_ns < rtt_sample_interval_ns)
		return;
	s->rtt_slot = slot + 1;
	s->rtt_sample_ns = now;
	val = series(&s->key);
	if (val) {
		val->rtt_sum_us += srtt_us;
		val->rtt_slots[slot] += 1;
	}
}

/* Segments of a retransmitted skb: tcp_skb_pcount(), TCP_SKB_CB(skb)->tcp_gso_segs (at least 1). */
static __always_inline __u32 skb_segments(const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb = (const void *)((const char *)skb + bpf_core_field_offset(struct sk_buff, cb));
	__u16 segs = BPF_CORE_READ(cb, tcp_gso_segs);

	return segs ? segs : 1;
}

/* What count_event counts. */
enum tcp_event {
	EV_RETRANSMIT,		/* segments retransmitted (sent) */
	EV_RETRANSMIT_FAILED,	/* segments whose retransmission the local stack refused: in total_retrans, not counted */
	EV_RESET_SENT,
	EV_RESET_RECEIVED,
};

/*
 * Counts `n` retransmitted segments or one reset on the connection's series
 * (or the unknown one when untracked and unfiltered). A tracked connection
 * notes the retransmitted segments it saw, failed ones too, as
 * tcp_sock.total_retrans counts them: its close adds what was not seen.
 */
static __always_inline void count_event(const struct sock *sk, enum tcp_event which, __u32 n)
{
	struct tcp_series_key unknown = {};
	struct tcp_series_key *key = NULL;
	struct tcp_series *val;
	__u64 skp = (__u64)sk;

	if (sk) {
		struct tcp_conn *s = bpf_map_lookup_elem(&start, &skp);
		__u32 zero = 0;
		struct last_closed *last;

		if (s) {
			key = &s->key;
			if (which == EV_RETRANSMIT || which == EV_RETRANSMIT_FAILED)
				s->retransmits += n;
		} else {
			last = bpf_map_lookup_elem(&last_closed, &zero);
			for (int i = 0; last && i < LAST_CLOSED; i++) {
				if (last->slots[i].sk == skp) {
					key = &last->slots[i].key;
					break;
				}
			}
		}
	}
	if (which == EV_RETRANSMIT_FAILED || (!key && any_filter()))
		return;
	val = series(key ? key : &unknown);
	if (!val)
		return;
	if (which == EV_RETRANSMIT)
		val->retransmits += n;
	else if (which == EV_RESET_SENT)
		val->resets_sent += 1;
	else
		val->resets_received += 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_btf_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return on_state(sk, oldstate, newstate, true);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_btf_retransmit, const struct sock *sk, const struct sk_buff *skb, int err)
{
	count_event(sk, err ? EV_RETRANSMIT_FAILED : EV_RETRANSMIT, skb_segments(skb));
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_btf_send_reset, const struct sock *sk)
{
	count_event(sk, EV_RESET_SENT, 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_btf_recv_reset, struct sock *sk)
{
	count_event(sk, EV_RESET_RECEIVED, 1);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_btf_probe, struct sock *sk)
{
	on_probe(sk, true);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(tcp_raw_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return on_state(sk, oldstate, newstate, false);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_raw_retransmit, const struct sock *sk, const struct sk_buff *skb, int err)
{
	count_event(sk, err ? EV_RETRANSMIT_FAILED : EV_RETRANSMIT, skb_segments(skb));
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tcp_raw_send_reset, const struct sock *sk)
{
	count_event(sk, EV_RESET_SENT, 1);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tcp_raw_recv_reset, struct sock *sk)
{
	count_event(sk, EV_RESET_RECEIVED, 1);
	return 0;
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(tcp_raw_probe, struct sock *sk)
{
	on_probe(sk, false);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
