/**
 * bpf/security.h and receivers/security/layout.ts agree: the compiled object's BTF and
 * the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { SECURITY_DEFINES, SECURITY_STRUCTS } from '../../receivers/security/layout';

checkLayouts(t, 'security', { structs: SECURITY_STRUCTS, defines: SECURITY_DEFINES });
