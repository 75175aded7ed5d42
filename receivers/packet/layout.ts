/**
 * Byte layouts of the records in bpf/packet.h, the one source of truth for
 * the decoder. test/bpf/packet-layout.test.ts checks every offset and size
 * here against the compiled object's BTF and the header's defines.
 */
import { sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

/** `PACKET_N_SLOTS`: log2 size slots; slot i holds [2^i, 2^(i+1)) bytes, the last is open-ended. */
export const PACKET_N_SLOTS = 18;
/** `PACKET_DIR_INGRESS`. */
export const PACKET_DIR_INGRESS = 0;
/** `PACKET_DIR_EGRESS`. */
export const PACKET_DIR_EGRESS = 1;
/** `PACKET_L3_OTHER`. */
export const PACKET_L3_OTHER = 0;
/** `PACKET_L3_IPV4`. */
export const PACKET_L3_IPV4 = 1;
/** `PACKET_L3_IPV6`. */
export const PACKET_L3_IPV6 = 2;
/** `PACKET_L3_ARP`. */
export const PACKET_L3_ARP = 3;
/** `PACKET_L4_OTHER`. */
export const PACKET_L4_OTHER = 0;
/** `PACKET_L4_TCP`. */
export const PACKET_L4_TCP = 1;
/** `PACKET_L4_UDP`. */
export const PACKET_L4_UDP = 2;
/** `PACKET_L4_ICMP`. */
export const PACKET_L4_ICMP = 3;
/** `PACKET_L4_ICMPV6`. */
export const PACKET_L4_ICMPV6 = 4;
/** `PACKET_DROP_MAP_FULL`: index in `drops`. */
export const PACKET_DROP_MAP_FULL = 0;
/** `PACKET_N_DROPS`: entries of `drops`. */
export const PACKET_N_DROPS = 1;

/** `struct packet_key`, the key of `counts`. */
export const PACKET_KEY = sequentialStruct('packet_key', { ifindex: 4, direction: 4, l3: 4, l4: 4 });

/** `struct packet_value`, the per-CPU value of `counts`. */
export const PACKET_VALUE = sequentialStruct('packet_value', { packets: 8, bytes: 8, slots: 8 * PACKET_N_SLOTS });

/** `struct packet_flow_key`, the key of `flows`. */
export const PACKET_FLOW_KEY = sequentialStruct('packet_flow_key', {
  ifindex: 4,
  direction: 4,
  saddr: 16,
  daddr: 16,
  sport: 2,
  dport: 2,
  l3: 1,
  l4: 1,
  _pad: 2,
});

/** `struct packet_flow_value`, the value of `flows` (one, shared by CPUs). */
export const PACKET_FLOW_VALUE = sequentialStruct('packet_flow_value', { packets: 8, bytes: 8 });

/** Every struct of bpf/packet.h, for the layout test. */
export const PACKET_STRUCTS: readonly StructLayout[] = [PACKET_KEY, PACKET_VALUE, PACKET_FLOW_KEY, PACKET_FLOW_VALUE];

/** Every define of bpf/packet.h with its value, for the layout test. */
export const PACKET_DEFINES: Readonly<Record<string, number>> = {
  PACKET_N_SLOTS,
  PACKET_DIR_INGRESS,
  PACKET_DIR_EGRESS,
  PACKET_L3_OTHER,
  PACKET_L3_IPV4,
  PACKET_L3_IPV6,
  PACKET_L3_ARP,
  PACKET_L4_OTHER,
  PACKET_L4_TCP,
  PACKET_L4_UDP,
  PACKET_L4_ICMP,
  PACKET_L4_ICMPV6,
  PACKET_DROP_MAP_FULL,
  PACKET_N_DROPS,
};
