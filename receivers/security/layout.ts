/**
 * Byte layouts of the records in bpf/security.h, the one source of truth for
 * the decoder. test/bpf/security-layout.test.ts checks every offset and size
 * here against the compiled object's BTF and the header's defines.
 */
import { sequentialStruct, type StructLayout } from '../../core/kernel/bpf-records';

/** `SEC_COMM_LEN`: bytes of a task name, NUL included. */
export const SEC_COMM_LEN = 16;
/** `SEC_STR_LEN`: bytes of each string of an event, NUL included. */
export const SEC_STR_LEN = 256;
/** `SEC_N_STRS`: strings an event carries at most. */
export const SEC_N_STRS = 3;
/** `SEC_MAX_ARGS_BYTES`: most argv bytes of an exec event. */
export const SEC_MAX_ARGS_BYTES = 4096;
/** `SEC_MAX_SYSCALL_ID`: entries of the `sc_handler` table. */
export const SEC_MAX_SYSCALL_ID = 512;
/** `SEC_MAX_PREFIXES`: capacity of the `watched_prefixes` LPM trie. */
export const SEC_MAX_PREFIXES = 256;
/** `SEC_EVENT_HEADER_SIZE`: bytes of `struct sec_event` before `str`. */
export const SEC_EVENT_HEADER_SIZE = 144;

/** `SEC_EV_*`: event kinds. */
export const SEC_EV = {
  EXEC: 1, EXIT: 2, FORK: 3, OPEN: 4, CHMOD: 5, PRIV: 6, PTRACE: 7, MODULE: 8, BPF: 9, MOUNT: 10, NS: 11, MEMFD: 12,
  CONNECT: 13, SOCKET: 14, DUP: 15,
} as const;
/** `SEC_N_KINDS`. */
export const SEC_N_KINDS = 16;

/** `SEC_SC_*`: what the sys_enter program does for a syscall id. */
export const SEC_SC = {
  OPEN: 1, OPENAT: 2, OPENAT2: 3, CREAT: 4, CHMOD: 5, FCHMOD: 6, FCHMODAT: 7, SETUID: 8, SETGID: 9, SETREUID: 10,
  SETREGID: 11, SETRESUID: 12, SETRESGID: 13, CAPSET: 14, PTRACE: 15, INIT_MODULE: 16, FINIT_MODULE: 17, BPF: 18,
  MOUNT: 19, UNSHARE: 20, SETNS: 21, MEMFD_CREATE: 22, CONNECT: 23, SOCKET: 24, DUP2: 25, DUP3: 26,
} as const;

/** `SEC_DROP_*`: drop reasons; `drops` is indexed by reason * SEC_N_KINDS + kind. */
export const SEC_DROP = { RINGBUF_FULL: 0, RATE_LIMITED: 1, STASH_FULL: 2 } as const;
/** `SEC_N_DROP_REASONS`. */
export const SEC_N_DROP_REASONS = 3;

/** `struct sec_event`, a record of the `events` ring buffer (cut after its last used string). */
export const SEC_EVENT = sequentialStruct('sec_event', {
  time_ns: 8,
  start_boot_ns: 8,
  cgroup_id: 8,
  ret: 8,
  args: 48,
  kind: 4,
  handler: 4,
  syscall_id: 4,
  pid: 4,
  tid: 4,
  ppid: 4,
  uid: 4,
  euid: 4,
  gid: 4,
  egid: 4,
  args_len: 4,
  _pad: 4,
  comm: SEC_COMM_LEN,
  str: SEC_N_STRS * SEC_STR_LEN,
});

/** `struct sec_prefix_key`, the key of `watched_prefixes`. */
export const SEC_PREFIX_KEY = sequentialStruct('sec_prefix_key', { prefixlen: 4, path: SEC_STR_LEN });

/** `struct sec_bucket`, the value of `rate`. */
export const SEC_BUCKET = sequentialStruct('sec_bucket', { tokens: 8, last_ns: 8 });

/** Every struct of bpf/security.h, for the layout test. */
export const SECURITY_STRUCTS: readonly StructLayout[] = [SEC_EVENT, SEC_PREFIX_KEY, SEC_BUCKET];

/** Every define of bpf/security.h with its value, for the layout test. */
export const SECURITY_DEFINES: Readonly<Record<string, number>> = {
  SEC_COMM_LEN, SEC_STR_LEN, SEC_N_STRS, SEC_MAX_ARGS_BYTES, SEC_MAX_SYSCALL_ID, SEC_MAX_PREFIXES, SEC_EVENT_HEADER_SIZE,
  SEC_N_KINDS, SEC_N_DROP_REASONS,
  ...Object.fromEntries(Object.entries(SEC_EV).map(([k, v]) => [`SEC_EV_${k}`, v])),
  ...Object.fromEntries(Object.entries(SEC_SC).map(([k, v]) => [`SEC_SC_${k}`, v])),
  ...Object.fromEntries(Object.entries(SEC_DROP).map(([k, v]) => [`SEC_DROP_${k}`, v])),
};
