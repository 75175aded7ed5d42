/**
 * bpf/tcp.h and receivers/tcp/layout.ts agree: the compiled object's BTF and
 * the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { TCP_DEFINES, TCP_STRUCTS } from '../../receivers/tcp/layout';

checkLayouts(t, 'tcp', { structs: TCP_STRUCTS, defines: TCP_DEFINES });
