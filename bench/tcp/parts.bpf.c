// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The floor of observing TCP state changes on this kernel, for
 * bench/tcp/parts.js: empty programs on the hooks the tcp receiver uses, and
 * the one thing every tracked state change does, finding the connection's
 * state, kept two ways: in a hash keyed by the socket pointer (created at
 * open, deleted at close) and in socket-local storage.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct conn {
	__u64 open_ns;
	__u64 connect_ns;
	__u32 pid;
	__u32 flags;
	char comm[16];
	char key[40];
	__u64 rtt_sample_ns;
	__u64 rtt_slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct conn);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct conn);
} start_np SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct conn);
} conns SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(empty_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(empty_probe, struct sock *sk)
{
	return 0;
}

/* The state changes of a TCP socket the receiver acts on (it returns at once on the others). */
static __always_inline bool acts_on(const struct sock *sk, const int newstate)
{
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE && newstate != TCP_FIN_WAIT1 && newstate != TCP_LAST_ACK)
		return false;
	return sk->sk_protocol == IPPROTO_TCP;
}

/* Opens at SYN_SENT and SYN_RECV -> ESTABLISHED, finds at every other change the receiver acts on, deletes at CLOSE. */
static __always_inline int hash_body(void *map, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 skp = (__u64)sk;
	struct conn *c;

	if (!acts_on(sk, newstate))
		return 0;
	if (newstate == TCP_SYN_SENT || (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_RECV)) {
		struct conn s = { .open_ns = bpf_ktime_get_ns() };

		bpf_map_update_elem(map, &skp, &s, BPF_ANY);
		return 0;
	}
	c = bpf_map_lookup_elem(map, &skp);
	if (!c)
		return 0;
	c->flags++;
	if (newstate == TCP_CLOSE)
		bpf_map_delete_elem(map, &skp);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(hash_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return hash_body(&start, sk, oldstate, newstate);
}

/* The same in a hash that allocates its elements on update. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(hash_np_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return hash_body(&start_np, sk, oldstate, newstate);
}

/* The same in socket storage; `delete`: freed at CLOSE, else left to the socket's own free. */
static __always_inline int storage_body(struct sock *sk, const int oldstate, const int newstate, bool delete)
{
	struct conn *c;

	if (!acts_on(sk, newstate))
		return 0;
	if (newstate == TCP_SYN_SENT || (newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_RECV)) {
		c = bpf_sk_storage_get(&conns, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
		if (c)
			c->open_ns = bpf_ktime_get_ns();
		return 0;
	}
	c = bpf_sk_storage_get(&conns, sk, NULL, 0);
	if (!c)
		return 0;
	c->flags++;
	if (delete && newstate == TCP_CLOSE)
		bpf_sk_storage_delete(&conns, sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sks_state, struct sock *sk, const int oldstate, const int newstate)
{
	return storage_body(sk, oldstate, newstate, true);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sks_nodelete_state, struct sock *sk, const int oldstate, const int newstate)
{
	return storage_body(sk, oldstate, newstate, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
