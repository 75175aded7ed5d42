/**
 * Byte layouts of the records in bpf/tcp.h, the one source of truth for the
 * decoder. test/bpf/tcp-layout.test.ts checks every offset and size here
 * against the compiled object's BTF and the header as the host compiler sees it.
 */
import { sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

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

/** `struct tcp_series_key`, the key of `hists`. */
export const TCP_SERIES_KEY = sequentialStruct('tcp_series_key', {
  direction: 4,
  family: 2,
  peer_port: 2,
  peer_addr: 16,
  comm: TASK_COMM_LEN,
});

/** `struct tcp_series`, the per-CPU value of `hists`. */
export const TCP_SERIES = sequentialStruct('tcp_series', {
  opened: 8,
  closed: 8,
  bytes_sent: 8,
  bytes_received: 8,
  retransmits: 8,
  resets_sent: 8,
  resets_received: 8,
  duration_sum_ns: 8,
  duration_slots: 8 * TCP_N_SLOTS,
  connect_sum_ns: 8,
  connect_slots: 8 * TCP_N_SLOTS,
  rtt_sum_us: 8,
  rtt_slots: 8 * TCP_RTT_SLOTS,
});

/** `struct tcp_conn`, the value of `start` (not read by user space; layout checked all the same). */
export const TCP_CONN = sequentialStruct('tcp_conn', {
  open_ns: 8,
  connect_ns: 8,
  pid: 4,
  local_port: 2,
  _pad: 2,
  comm: TASK_COMM_LEN,
  key: 40,
  rtt_sample_ns: 8,
  rtt_slot: 4,
  retransmits: 4,
});

/** `struct tcp_close_event`, one record of the `events` ring buffer. */
export const TCP_CLOSE_EVENT = sequentialStruct('tcp_close_event', {
  start_ns: 8,
  end_ns: 8,
  connect_ns: 8,
  bytes_sent: 8,
  bytes_received: 8,
  retransmits: 4,
  srtt_us: 4,
  pid: 4,
  direction: 4,
  family: 2,
  local_port: 2,
  peer_port: 2,
  _pad: 2,
  local_addr: 16,
  peer_addr: 16,
  comm: TASK_COMM_LEN,
});

/** Every struct of bpf/tcp.h, for the layout test. */
export const TCP_STRUCTS: readonly StructLayout[] = [TCP_SERIES_KEY, TCP_SERIES, TCP_CONN, TCP_CLOSE_EVENT];

/** Every define of bpf/tcp.h with its value, for the layout test. */
export const TCP_DEFINES: Readonly<Record<string, number>> = {
  TASK_COMM_LEN, TCP_N_SLOTS, TCP_RTT_SLOTS, TCP_MAX_FILTER, TCP_DIR_UNKNOWN, TCP_DIR_INBOUND, TCP_DIR_OUTBOUND,
  TCP_DROP_RINGBUF_FULL, TCP_DROP_MAP_FULL, TCP_DROP_START_FULL, TCP_N_DROPS,
};
