/**
 * bpf/packet.h and receivers/packet/layout.ts agree: the compiled object's BTF and
 * the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { PACKET_DEFINES, PACKET_STRUCTS } from '../../receivers/packet/layout';

checkLayouts(t, 'packet', { structs: PACKET_STRUCTS, defines: PACKET_DEFINES });
