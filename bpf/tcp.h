/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records shared by tcp.bpf.c and receivers/tcp/ (layout.ts).
 * Fixed-width fields, explicit padding: test/bpf/tcp-layout.test.ts checks
 * that every offset and size here equals receivers/tcp/layout.ts.
 */
#ifndef EBPF_PIPELINE_TCP_H
#define EBPF_PIPELINE_TCP_H

#define TASK_COMM_LEN 16
/* log2 slots of the duration histograms: slot i holds [2^i, 2^(i+1)) ns; the last is open-ended (>= 2^35 ns). */
#define TCP_N_SLOTS 36
/* log2 slots of the RTT histogram: slot i holds [2^i, 2^(i+1)) us; the last is open-ended (>= 2^25 us, ~34 s). */
#define TCP_RTT_SLOTS 26
/* Pids, comms and ports the filter maps hold at most. */
#define TCP_MAX_FILTER 1024

/* tcp_series_key.direction */
#define TCP_DIR_UNKNOWN 0	/* a socket opened before the programs were attached */
#define TCP_DIR_INBOUND 1	/* passive open: SYN_RECV -> ESTABLISHED */
#define TCP_DIR_OUTBOUND 2	/* active open: -> SYN_SENT */

/* Indexes of the `drops` per-CPU array. */
#define TCP_DROP_RINGBUF_FULL 0
#define TCP_DROP_MAP_FULL 1	/* `hists` full: a series was not counted */
#define TCP_DROP_START_FULL 2	/* `start` full: a connection was not tracked */
#define TCP_N_DROPS 3

/* Key of `hists`: peer fields are zero unless peer_attributes. */
struct tcp_series_key {
	__u32 direction;
	__u16 family;		/* AF_INET / AF_INET6 (peer_attributes), else 0 */
	__u16 peer_port;	/* host order; 0 for inbound (ephemeral) */
	__u8 peer_addr[16];	/* IPv4 in the first 4 bytes */
	char comm[TASK_COMM_LEN];
};

/* Per-CPU value of `hists`: every field cumulative since load. */
struct tcp_series {
	__u64 opened;
	__u64 closed;
	__u64 bytes_sent;	/* payload acknowledged by the peer: bytes_acked less SYN and FIN */
	__u64 bytes_received;	/* payload received: bytes_received less the peer's FIN */
	__u64 retransmits;	/* segments retransmitted (tcp:tcp_retransmit_skb, err 0: tcp_skb_pcount each) */
	__u64 resets_sent;	/* tcp:tcp_send_reset */
	__u64 resets_received;	/* tcp:tcp_receive_reset */
	__u64 duration_sum_ns;	/* open -> close */
	__u64 duration_slots[TCP_N_SLOTS];
	__u64 connect_sum_ns;	/* SYN_SENT -> ESTABLISHED */
	__u64 connect_slots[TCP_N_SLOTS];
	__u64 rtt_sum_us;	/* smoothed RTT samples: tcp:tcp_probe, sampled per socket, and at close */
	__u64 rtt_slots[TCP_RTT_SLOTS];
};

/* Value of `start`, keyed by the struct sock pointer: a tracked connection. */
struct tcp_conn {
	__u64 open_ns;		/* CLOCK_MONOTONIC: SYN_SENT (outbound) or ESTABLISHED (inbound) */
	__u64 connect_ns;	/* SYN_SENT -> ESTABLISHED, 0 until established */
	__u32 pid;		/* owner tgid: connect() caller, or close() caller for inbound; 0 unknown */
	__u16 local_port;	/* from ESTABLISHED on: the kernel clears it before the close is traced */
	__u16 _pad;
	char comm[TASK_COMM_LEN];
	struct tcp_series_key key;	/* the series this connection counts in, fixed at open */
	__u64 rtt_sample_ns;	/* CLOCK_MONOTONIC of the last RTT sample, 0: none yet */
	__u32 rtt_slot;		/* log2 slot of the last RTT sample + 1, 0: none yet */
	__u32 retransmits;	/* segments tcp:tcp_retransmit_skb showed for it, failed sends too (as total_retrans) */
};

/* One closed connection, streamed through `events`. */
struct tcp_close_event {
	__u64 start_ns;		/* CLOCK_MONOTONIC */
	__u64 end_ns;
	__u64 connect_ns;	/* 0: inbound, or never established */
	__u64 bytes_sent;
	__u64 bytes_received;
	__u32 retransmits;	/* tcp_sock.total_retrans */
	__u32 srtt_us;		/* smoothed RTT, us (0: no sample) */
	__u32 pid;
	__u32 direction;
	__u16 family;
	__u16 local_port;
	__u16 peer_port;
	__u16 _pad;
	__u8 local_addr[16];
	__u8 peer_addr[16];
	char comm[TASK_COMM_LEN];
};

#endif /* EBPF_PIPELINE_TCP_H */
