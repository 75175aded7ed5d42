/**
 * One source of truth for record layouts: the decoder's layout.ts must equal
 * the C structs, as compiled for BPF (the object's BTF) and for the host
 * (offsetof/sizeof through cc), member by member; and the defines must match.
 * This file checks the syscall receiver's; each other receiver has its own
 * <name>-layout.test.ts (test/support/btf-layout.ts holds the checks).
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { SYSCALL_DEFINES, SYSCALL_STRUCTS } from '../../receivers/syscall/layout';

checkLayouts(t, 'syscall', { structs: SYSCALL_STRUCTS, defines: SYSCALL_DEFINES });
