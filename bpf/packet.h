/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by packet.bpf.c and receivers/packet/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/packet-layout.test.ts checks
 * that every offset and size here equals receivers/packet/layout.ts.
 */
#ifndef EBPF_PIPELINE_PACKET_H
#define EBPF_PIPELINE_PACKET_H

/*
 * log2 size slots: slot i holds [2^i, 2^(i+1)) bytes (slot 0 also holds 0),
 * the last one is open-ended (>= 2^17 bytes: GSO/GRO super-packets).
 */
#define PACKET_N_SLOTS 18

/* packet_key.direction */
#define PACKET_DIR_INGRESS 0
#define PACKET_DIR_EGRESS 1

/* packet_key.l3 */
#define PACKET_L3_OTHER 0
#define PACKET_L3_IPV4 1
#define PACKET_L3_IPV6 2
#define PACKET_L3_ARP 3

/* packet_key.l4 */
#define PACKET_L4_OTHER 0
#define PACKET_L4_TCP 1
#define PACKET_L4_UDP 2
#define PACKET_L4_ICMP 3
#define PACKET_L4_ICMPV6 4

/* Indexes of the `drops` per-CPU array. */
#define PACKET_DROP_MAP_FULL 0
#define PACKET_N_DROPS 1

/* Key of `counts`: one series per interface, direction, L3 and L4. */
struct packet_key {
	__u32 ifindex;
	__u32 direction;	/* PACKET_DIR_* */
	__u32 l3;		/* PACKET_L3_* */
	__u32 l4;		/* PACKET_L4_* */
};

/* Per-CPU value of `counts`: every field cumulative since load. */
struct packet_value {
	__u64 packets;
	__u64 bytes;		/* skb->len: the frame from the L2 header on */
	__u64 slots[PACKET_N_SLOTS];
};

/*
 * Key of `flows` (flows mode only): the 5-tuple seen on one interface in one
 * direction. Addresses are in network byte order; an IPv4 address fills
 * saddr[0] / daddr[0], the rest is 0. Ports are in host byte order (0 for
 * ICMP and non-first fragments).
 */
struct packet_flow_key {
	__u32 ifindex;
	__u32 direction;
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;
	__u16 dport;
	__u8 l3;
	__u8 l4;
	__u16 _pad;
};

/* Value of `flows` (shared by CPUs, updated atomically). */
struct packet_flow_value {
	__u64 packets;
	__u64 bytes;
};

#endif /* EBPF_PIPELINE_PACKET_H */
