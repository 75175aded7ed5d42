/**
 * bpf/alloc.h and receivers/alloc/layout.ts agree: the compiled object's BTF and
 * the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { ALLOC_DEFINES, ALLOC_STRUCTS } from '../../receivers/alloc/layout';

checkLayouts(t, 'alloc', { structs: ALLOC_STRUCTS, defines: ALLOC_DEFINES });
