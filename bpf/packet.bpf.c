// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The packet receiver's kernel side: packets, bytes and a log2 size histogram
 * per (interface, direction, L3, L4), counted by two tc clsact programs
 * (pkt_ingress, pkt_egress) in the per-CPU hash `counts` and read by
 * receivers/packet on an interval. With flows_on, the 5-tuple of every IP
 * packet is also counted in the LRU hash `flows` (user space reports the
 * top-K by bytes).
 *
 * The programs only read: they always return TC_ACT_UNSPEC (let the next
 * filter, or the default action, decide), so a packet goes exactly where it
 * would have gone without them. Headers are read relative to the network
 * header (bpf_skb_load_bytes_relative), so devices with and without an L2
 * header (ethernet, loopback, tun, wireguard) are all parsed right.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bits.bpf.h"
#include "packet.h"
#define DROPS_MAX_ENTRIES PACKET_N_DROPS
#include "drops.bpf.h"

#define TC_ACT_UNSPEC (-1)
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_ARP 0x0806
#define IPPROTO_ICMPV6_NR 58
#define IP_OFFSET_MASK 0x1FFF

/* Tunables, set before load (receivers/packet/receiver.ts). */
const volatile bool flows_on = false;		/* count 5-tuples in `flows` */
const volatile bool filter_ports_on = false;	/* flows: only those with a port set in port_mask */
const volatile __u64 port_mask[65536 / 64] = {};

/* Packets, bytes and sizes by (ifindex, direction, l3, l4). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct packet_key);
	__type(value, struct packet_value);
} counts SEC(".maps");

/* Packets and bytes by 5-tuple (flows_on; else sized 1 by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct packet_flow_key);
	__type(value, struct packet_flow_value);
} flows SEC(".maps");

static __always_inline bool port_wanted(__u16 port)
{
	return port_mask[(port >> 6) & (65536 / 64 - 1)] & (1ULL << (port & 63));
}

/* Fills the L4 protocol, and the flow's addresses and ports when `flow` is set. */
static __always_inline __u32 parse_ip(struct __sk_buff *skb, __u32 l3, struct packet_flow_key *flow)
{
	__u32 l4_off, proto;
	bool ports = true;
	__u16 p[2];

	if (l3 == PACKET_L3_IPV4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET))
			return PACKET_L4_OTHER;
		proto = ip.protocol;
		l4_off = ip.ihl * 4;
		ports = !(ip.frag_off & bpf_htons(IP_OFFSET_MASK));
		if (flow) {
			flow->saddr[0] = ip.saddr;
			flow->daddr[0] = ip.daddr;
		}
	} else {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6), BPF_HDR_START_NET))
			return PACKET_L4_OTHER;
		/* The first next-header only: extension headers count as `other`. */
		proto = ip6.nexthdr;
		l4_off = sizeof(ip6);
		if (flow) {
			__builtin_memcpy(flow->saddr, &ip6.saddr, 16);
			__builtin_memcpy(flow->daddr, &ip6.daddr, 16);
		}
	}
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (flow && ports && !bpf_skb_load_bytes_relative(skb, l4_off, p, sizeof(p), BPF_HDR_START_NET)) {
			flow->sport = bpf_ntohs(p[0]);
			flow->dport = bpf_ntohs(p[1]);
		}
		return proto == IPPROTO_TCP ? PACKET_L4_TCP : PACKET_L4_UDP;
	case IPPROTO_ICMP:
		return l3 == PACKET_L3_IPV4 ? PACKET_L4_ICMP : PACKET_L4_OTHER;
	case IPPROTO_ICMPV6_NR:
		return l3 == PACKET_L3_IPV6 ? PACKET_L4_ICMPV6 : PACKET_L4_OTHER;
	}
	return PACKET_L4_OTHER;
}

static __always_inline void count_flow(struct packet_flow_key *flow, __u32 len)
{
	static const struct packet_flow_value zero = {};
	struct packet_flow_value *v;

	if (filter_ports_on && !port_wanted(flow->sport) && !port_wanted(flow->dport))
		return;
	v = bpf_map_lookup_elem(&flows, flow);
	if (!v) {
		/* An LRU map evicts the least recently used flow instead of failing. */
		bpf_map_update_elem(&flows, flow, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&flows, flow);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, len);
}

static __always_inline int count_packet(struct __sk_buff *skb, __u32 direction)
{
	static const struct packet_value zero = {};
	struct packet_key key = { .ifindex = skb->ifindex, .direction = direction };
	struct packet_flow_key flow = {};
	struct packet_value *v;
	__u32 len = skb->len;

	switch (skb->protocol) {
	case bpf_htons(ETH_P_IP):
		key.l3 = PACKET_L3_IPV4;
		break;
	case bpf_htons(ETH_P_IPV6):
		key.l3 = PACKET_L3_IPV6;
		break;
	case bpf_htons(ETH_P_ARP):
		key.l3 = PACKET_L3_ARP;
		break;
	default:
		key.l3 = PACKET_L3_OTHER;
	}
	if (key.l3 == PACKET_L3_IPV4 || key.l3 == PACKET_L3_IPV6) {
		key.l4 = parse_ip(skb, key.l3, flows_on ? &flow : NULL);
		if (flows_on) {
			flow.ifindex = key.ifindex;
			flow.direction = direction;
			flow.l3 = key.l3;
			flow.l4 = key.l4;
			count_flow(&flow, len);
		}
	}

	v = lookup_or_try_init(&counts, &key, &zero);
	if (!v) {
		count_drop(PACKET_DROP_MAP_FULL);
		return TC_ACT_UNSPEC;
	}
	v->packets += 1;
	v->bytes += len;
	v->slots[log2_slot(len, PACKET_N_SLOTS)] += 1;
	return TC_ACT_UNSPEC;
}

SEC("tc")
int pkt_ingress(struct __sk_buff *skb)
{
	return count_packet(skb, PACKET_DIR_INGRESS);
}

SEC("tc")
int pkt_egress(struct __sk_buff *skb)
{
	return count_packet(skb, PACKET_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
