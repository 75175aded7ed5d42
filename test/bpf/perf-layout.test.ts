/**
 * bpf/perf.h and receivers/perf/layout.ts agree: the compiled object's BTF and
 * the host compiler's view, member by member, and every define.
 */
import t from 'tap';
import { checkLayouts } from '../support/btf-layout';
import { PERF_DEFINES, PERF_STRUCTS } from '../../receivers/perf/layout';

checkLayouts(t, 'perf', { structs: PERF_STRUCTS, defines: PERF_DEFINES });
