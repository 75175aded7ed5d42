/**
 * bpf/blockio.h and receivers/blockio/layout.ts agree: the compiled object's BTF and
 * the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { BLOCKIO_DEFINES, BLOCKIO_STRUCTS } from '../../receivers/blockio/layout';

checkLayouts(t, 'blockio', { structs: BLOCKIO_STRUCTS, defines: BLOCKIO_DEFINES });
