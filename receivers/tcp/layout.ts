/**
 * Byte layouts of the records in bpf/tcp.h, the one source of truth for the
 * decoder. test/bpf/tcp-layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header as the host compiler sees it.
 */
import { type StructLayout } from '../../core/kernel/bpf-records';

/** `TASK_COMM_LEN`. */
export const TASK_COMM_LEN = 16;
/** `TCP_N_SLOTS`: log2 ns slots of the duration histograms; the last is open-ended. */
export const TCP_N_SLOTS = 36;
/** `TCP_RTT_SLOTS`: log2 us slots of the RTT histogram; the last is open-ended. */
export const TCP_RTT_SLOTS = 26;
/** `TCP_MAX_FILTER`: capacity of the filter maps. */
export const TCP_MAX_FILTER = 1024;
/** `TCP_DIR_UNKNOWN`: a socket opened before the programs were attached. */
export const TCP_DIR_UNKNOWN = 0;
/** `TCP_DIR_INBOUND`: passive open. */
export const TCP_DIR_INBOUND = 1;
/** `TCP_DIR_OUTBOUND`: active open. */
export const TCP_DIR_OUTBOUND = 2;
/** `TCP_DROP_RINGBUF_FULL`: index in `drops`. */
export const TCP_DROP_RINGBUF_FULL = 0;
/** `TCP_DROP_MAP_FULL`: index in `drops` (`hists` full). */
export const TCP_DROP_MAP_FULL = 1;
/** `TCP_DROP_START_FULL`: index in `drops` (`start` full: a connection not tracked). */
export const TCP_DROP_START_FULL = 2;
/** `TCP_N_DROPS`: entries of `drops`. */
export const TCP_N_DROPS = 3;

const u64 = (offset: number) => ({ offset, size: 8 });

/** `struct tcp_series_key`, the key of `hists`. */
export const TCP_SERIES_KEY: StructLayout<'direction' | 'family' | 'peer_port' | 'peer_addr' | 'comm'> = {
  name: 'tcp_series_key',
  size: 40,
  members: {
    direction: { offset: 0, size: 4 },
    family: { offset: 4, size: 2 },
    peer_port: { offset: 6, size: 2 },
    peer_addr: { offset: 8, size: 16 },
    comm: { offset: 24, size: TASK_COMM_LEN },
  },
};

/** `struct tcp_series`, the per-CPU value of `hists`. */
export const TCP_SERIES: StructLayout<
  'opened' | 'closed' | 'bytes_sent' | 'bytes_received' | 'retransmits' | 'resets_sent' | 'resets_received'
  | 'duration_sum_ns' | 'duration_slots' | 'connect_sum_ns' | 'connect_slots' | 'rtt_sum_us' | 'rtt_slots'
> = {
  name: 'tcp_series',
  size: 64 + 8 * TCP_N_SLOTS + 8 + 8 * TCP_N_SLOTS + 8 + 8 * TCP_RTT_SLOTS,
  members: {
    opened: u64(0),
    closed: u64(8),
    bytes_sent: u64(16),
    bytes_received: u64(24),
    retransmits: u64(32),
    resets_sent: u64(40),
    resets_received: u64(48),
    duration_sum_ns: u64(56),
    duration_slots: { offset: 64, size: 8 * TCP_N_SLOTS },
    connect_sum_ns: u64(64 + 8 * TCP_N_SLOTS),
    connect_slots: { offset: 72 + 8 * TCP_N_SLOTS, size: 8 * TCP_N_SLOTS },
    rtt_sum_us: u64(72 + 16 * TCP_N_SLOTS),
    rtt_slots: { offset: 80 + 16 * TCP_N_SLOTS, size: 8 * TCP_RTT_SLOTS },
  },
};

/** `struct tcp_conn`, the value of `start` (not read by user space; layout checked all the same). */
export const TCP_CONN: StructLayout<'open_ns' | 'connect_ns' | 'pid' | 'local_port' | '_pad' | 'comm' | 'key' | 'rtt_sample_ns' | 'rtt_slot' | '_pad2'> = {
  name: 'tcp_conn',
  size: 96,
  members: {
    open_ns: u64(0),
    connect_ns: u64(8),
    pid: { offset: 16, size: 4 },
    local_port: { offset: 20, size: 2 },
    _pad: { offset: 22, size: 2 },
    comm: { offset: 24, size: TASK_COMM_LEN },
    key: { offset: 40, size: 40 },
    rtt_sample_ns: u64(80),
    rtt_slot: { offset: 88, size: 4 },
    _pad2: { offset: 92, size: 4 },
  },
};

/** `struct tcp_close_event`, one record of the `events` ring buffer. */
export const TCP_CLOSE_EVENT: StructLayout<
  'start_ns' | 'end_ns' | 'connect_ns' | 'bytes_sent' | 'bytes_received' | 'retransmits' | 'srtt_us' | 'pid' | 'direction'
  | 'family' | 'local_port' | 'peer_port' | '_pad' | 'local_addr' | 'peer_addr' | 'comm'
> = {
  name: 'tcp_close_event',
  size: 112,
  members: {
    start_ns: u64(0),
    end_ns: u64(8),
    connect_ns: u64(16),
    bytes_sent: u64(24),
    bytes_received: u64(32),
    retransmits: { offset: 40, size: 4 },
    srtt_us: { offset: 44, size: 4 },
    pid: { offset: 48, size: 4 },
    direction: { offset: 52, size: 4 },
    family: { offset: 56, size: 2 },
    local_port: { offset: 58, size: 2 },
    peer_port: { offset: 60, size: 2 },
    _pad: { offset: 62, size: 2 },
    local_addr: { offset: 64, size: 16 },
    peer_addr: { offset: 80, size: 16 },
    comm: { offset: 96, size: TASK_COMM_LEN },
  },
};

/** Every struct of bpf/tcp.h, for the layout test. */
export const TCP_STRUCTS: readonly StructLayout[] = [TCP_SERIES_KEY, TCP_SERIES, TCP_CONN, TCP_CLOSE_EVENT];

/** Every define of bpf/tcp.h with its value, for the layout test. */
export const TCP_DEFINES: Readonly<Record<string, number>> = {
  TASK_COMM_LEN, TCP_N_SLOTS, TCP_RTT_SLOTS, TCP_MAX_FILTER, TCP_DIR_UNKNOWN, TCP_DIR_INBOUND, TCP_DIR_OUTBOUND,
  TCP_DROP_RINGBUF_FULL, TCP_DROP_MAP_FULL, TCP_DROP_START_FULL, TCP_N_DROPS,
};
