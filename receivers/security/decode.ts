/**
 * Decodes the `events` ring-buffer records of bpf/security.bpf.c and turns
 * each kind's arguments into its event name and attributes (the contract in
 * events.ts). Process attributes are added by the receiver (process table).
 */
import type { Attributes } from '../../core/signals';
import type { RecordBatch } from '../../native/api';
import { decodeRecords } from '../../core/kernel/bpf-records';
import type { SecurityEventName } from './events';
import { SEC_COMM_LEN, SEC_EV, SEC_EVENT, SEC_EVENT_HEADER_SIZE, SEC_N_STRS, SEC_SC, SEC_STR_LEN } from './layout';

/** One decoded record. */
export interface RawSecurityEvent {
  /** CLOCK_MONOTONIC ns. */
  timeNs: bigint;
  /** The process's start, CLOCK_BOOTTIME ns. */
  startBootNs: bigint;
  cgroupId: bigint;
  ret: number;
  args: bigint[];
  kind: number;
  handler: number;
  syscallId: number;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  comm: string;
  /** The strings the record carries ('' for absent ones). */
  strs: string[];
  /** exec: argv bytes (NUL-separated). */
  argv?: Buffer;
}

function cString(buf: Buffer, start: number, max: number): string {
  const limit = Math.min(start + max, buf.length);
  let end = start;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

/** Decodes one record of `len` bytes at `off`. */
export function decodeSecurityEvent(buf: Buffer, off: number, len: number): RawSecurityEvent {
  const m = SEC_EVENT.members;
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(buf.readBigUInt64LE(off + m.args.offset + 8 * i));
  const strs: string[] = [];
  for (let i = 0; i < SEC_N_STRS; i++) {
    const s = off + SEC_EVENT_HEADER_SIZE + i * SEC_STR_LEN;
    strs.push(s + SEC_STR_LEN <= off + len ? cString(buf, s, SEC_STR_LEN) : '');
  }
  const e: RawSecurityEvent = {
    timeNs: buf.readBigUInt64LE(off + m.time_ns.offset),
    startBootNs: buf.readBigUInt64LE(off + m.start_boot_ns.offset),
    cgroupId: buf.readBigUInt64LE(off + m.cgroup_id.offset),
    ret: Number(buf.readBigInt64LE(off + m.ret.offset)),
    args,
    kind: buf.readUInt32LE(off + m.kind.offset),
    handler: buf.readUInt32LE(off + m.handler.offset),
    syscallId: buf.readUInt32LE(off + m.syscall_id.offset),
    pid: buf.readUInt32LE(off + m.pid.offset),
    tid: buf.readUInt32LE(off + m.tid.offset),
    ppid: buf.readUInt32LE(off + m.ppid.offset),
    uid: buf.readUInt32LE(off + m.uid.offset),
    euid: buf.readUInt32LE(off + m.euid.offset),
    gid: buf.readUInt32LE(off + m.gid.offset),
    egid: buf.readUInt32LE(off + m.egid.offset),
    comm: cString(buf, off + m.comm.offset, SEC_COMM_LEN),
    strs,
  };
  if (e.kind === SEC_EV.EXEC) {
    const argsLen = buf.readUInt32LE(off + m.args_len.offset);
    const start = off + SEC_EVENT.size;
    e.argv = Buffer.from(buf.subarray(start, Math.min(start + argsLen, off + len)));
  }
  return e;
}

/**
 * Walks a ring-buffer batch; records shorter than the header (or than a
 * whole exec event) are skipped and counted in `malformed`.
 */
export function decodeSecurityEvents(batch: RecordBatch): { events: RawSecurityEvent[]; malformed: number } {
  return decodeRecords(batch, SEC_EVENT_HEADER_SIZE, (buf, off, len) => {
    const kind = buf.readUInt32LE(off + SEC_EVENT.members.kind.offset);
    return kind === SEC_EV.EXEC && len < SEC_EVENT.size ? undefined : decodeSecurityEvent(buf, off, len);
  });
}

/** The event name of each kind that is an event (fork only feeds the process table). */
export const KIND_EVENT_NAMES: ReadonlyMap<number, SecurityEventName> = new Map<number, SecurityEventName>([
  [SEC_EV.EXEC, 'process.exec'], [SEC_EV.EXIT, 'process.exit'], [SEC_EV.OPEN, 'file.open'], [SEC_EV.CHMOD, 'file.chmod'],
  [SEC_EV.PRIV, 'process.privilege_change'], [SEC_EV.PTRACE, 'process.ptrace'], [SEC_EV.MODULE, 'kernel.module_load'],
  [SEC_EV.BPF, 'bpf.program_load'], [SEC_EV.MOUNT, 'file.mount'], [SEC_EV.NS, 'process.namespace_change'],
  [SEC_EV.MEMFD, 'memfd.create'], [SEC_EV.CONNECT, 'network.connect'], [SEC_EV.SOCKET, 'network.socket'],
  [SEC_EV.DUP, 'file.dup_to_stdio'],
]);

/** The syscalls (by name) each syscall event kind hooks, with the handler the kernel runs for it. */
export const SYSCALL_HANDLERS: ReadonlyArray<readonly [syscall: string, handler: number, event: SecurityEventName]> = [
  ['open', SEC_SC.OPEN, 'file.open'], ['openat', SEC_SC.OPENAT, 'file.open'], ['openat2', SEC_SC.OPENAT2, 'file.open'],
  ['creat', SEC_SC.CREAT, 'file.open'],
  ['chmod', SEC_SC.CHMOD, 'file.chmod'], ['fchmod', SEC_SC.FCHMOD, 'file.chmod'], ['fchmodat', SEC_SC.FCHMODAT, 'file.chmod'],
  ['fchmodat2', SEC_SC.FCHMODAT, 'file.chmod'],
  ['setuid', SEC_SC.SETUID, 'process.privilege_change'], ['setgid', SEC_SC.SETGID, 'process.privilege_change'],
  ['setreuid', SEC_SC.SETREUID, 'process.privilege_change'], ['setregid', SEC_SC.SETREGID, 'process.privilege_change'],
  ['setresuid', SEC_SC.SETRESUID, 'process.privilege_change'], ['setresgid', SEC_SC.SETRESGID, 'process.privilege_change'],
  ['capset', SEC_SC.CAPSET, 'process.privilege_change'],
  ['ptrace', SEC_SC.PTRACE, 'process.ptrace'],
  ['init_module', SEC_SC.INIT_MODULE, 'kernel.module_load'], ['finit_module', SEC_SC.FINIT_MODULE, 'kernel.module_load'],
  ['bpf', SEC_SC.BPF, 'bpf.program_load'],
  ['mount', SEC_SC.MOUNT, 'file.mount'],
  ['unshare', SEC_SC.UNSHARE, 'process.namespace_change'], ['setns', SEC_SC.SETNS, 'process.namespace_change'],
  ['memfd_create', SEC_SC.MEMFD_CREATE, 'memfd.create'],
  ['connect', SEC_SC.CONNECT, 'network.connect'],
  ['socket', SEC_SC.SOCKET, 'network.socket'],
  ['dup2', SEC_SC.DUP2, 'file.dup_to_stdio'], ['dup3', SEC_SC.DUP3, 'file.dup_to_stdio'],
];

/** ptrace request names (linux/ptrace.h). */
export const PTRACE_REQUESTS: ReadonlyMap<number, string> = new Map([
  [0, 'PTRACE_TRACEME'], [1, 'PTRACE_PEEKTEXT'], [2, 'PTRACE_PEEKDATA'], [3, 'PTRACE_PEEKUSER'], [4, 'PTRACE_POKETEXT'],
  [5, 'PTRACE_POKEDATA'], [6, 'PTRACE_POKEUSER'], [7, 'PTRACE_CONT'], [8, 'PTRACE_KILL'], [9, 'PTRACE_SINGLESTEP'],
  [12, 'PTRACE_GETREGS'], [13, 'PTRACE_SETREGS'], [14, 'PTRACE_GETFPREGS'], [15, 'PTRACE_SETFPREGS'], [16, 'PTRACE_ATTACH'],
  [17, 'PTRACE_DETACH'], [24, 'PTRACE_SYSCALL'], [0x4200, 'PTRACE_SETOPTIONS'], [0x4201, 'PTRACE_GETEVENTMSG'],
  [0x4202, 'PTRACE_GETSIGINFO'], [0x4203, 'PTRACE_SETSIGINFO'], [0x4204, 'PTRACE_GETREGSET'], [0x4205, 'PTRACE_SETREGSET'],
  [0x4206, 'PTRACE_SEIZE'], [0x4207, 'PTRACE_INTERRUPT'], [0x4208, 'PTRACE_LISTEN'],
]);

/** CLONE_NEW* flags and their namespace type names. */
export const NAMESPACE_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x00000080, 'time'], [0x00020000, 'mnt'], [0x02000000, 'cgroup'], [0x04000000, 'uts'], [0x08000000, 'ipc'],
  [0x10000000, 'user'], [0x20000000, 'pid'], [0x40000000, 'net'],
];

/** Socket families (AF_*) by number, as `socket.family` names them. */
export const SOCKET_FAMILIES: ReadonlyMap<number, string> = new Map([
  [1, 'unix'], [2, 'inet'], [10, 'inet6'], [16, 'netlink'], [17, 'packet'], [40, 'vsock'],
]);

const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const UNCHANGED = 0xffffffff;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const AF_INET = 2;

function num(v: bigint): number {
  return Number(v);
}

/** `-1` for an id left unchanged, else the id. */
function idOrUnchanged(v: bigint): number {
  return Number(v & 0xffffffffn) === UNCHANGED ? -1 : Number(v & 0xffffffffn);
}

function ipAddress(e: RawSecurityEvent): string {
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64LE(e.args[3], 0);
  bytes.writeBigUInt64LE(e.args[4], 8);
  if (num(e.args[1]) === AF_INET) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // The shortest form: the longest run of zero groups becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** A module's name from its file name (`foo.ko`, `foo.ko.xz`, ...). */
export function moduleName(file: string): string {
  return file.replace(/\.ko(\.(xz|gz|zst))?$/, '');
}

/** The event's own attributes (EVENT_ATTRIBUTES in events.ts) for a syscall or lifecycle record. */
export function eventAttributes(e: RawSecurityEvent): Attributes {
  const a = e.args;
  switch (e.kind) {
    case SEC_EV.EXIT: {
      const code = num(a[0]);
      return { 'process.exit.code': (code >> 8) & 0xff, 'process.exit.signal': code & 0x7f, 'process.duration': num(a[1]) / 1e9 };
    }
    case SEC_EV.OPEN: {
      const flags = num(a[0] & 0xffffffffn);
      const mode = flags & O_ACCMODE;
      return {
        'file.path': e.strs[0], 'file.access': mode === 0 ? 'read' : mode === 1 ? 'write' : 'read_write', 'file.open.flags': flags,
        'file.open.create': (flags & O_CREAT) !== 0, 'file.open.truncate': (flags & O_TRUNC) !== 0,
      };
    }
    case SEC_EV.CHMOD: {
      const mode = num(a[0]) & 0o7777;
      const attrs: Attributes = { 'file.mode': mode, 'file.mode.setuid': (mode & 0o4000) !== 0, 'file.mode.setgid': (mode & 0o2000) !== 0 };
      if (e.strs[0]) attrs['file.path'] = e.strs[0];
      return attrs;
    }
    case SEC_EV.PRIV: {
      const attrs: Attributes = {
        'user.id.old': num(a[0]), 'user.id.new': idOrUnchanged(a[1]), 'group.id.old': num(a[2]), 'group.id.new': idOrUnchanged(a[3]),
      };
      if (e.handler === SEC_SC.CAPSET) attrs['process.capabilities.effective'] = num(a[4]);
      return attrs;
    }
    case SEC_EV.PTRACE: {
      const req = num(a[0]);
      return { 'ptrace.request': PTRACE_REQUESTS.get(req) ?? String(req), 'ptrace.target.pid': num(a[1]) };
    }
    case SEC_EV.MODULE: {
      const attrs: Attributes = {};
      if (e.strs[0]) attrs['module.name'] = moduleName(e.strs[0]);
      if (e.strs[1]) attrs['module.params'] = e.strs[1];
      return attrs;
    }
    case SEC_EV.BPF:
      return { 'bpf.program.type': num(a[0]), 'bpf.program.name': e.strs[0], 'bpf.program.instructions': num(a[1]) };
    case SEC_EV.MOUNT:
      return { 'mount.source': e.strs[0], 'mount.target': e.strs[1], 'mount.fs_type': e.strs[2], 'mount.flags': num(a[0]) };
    case SEC_EV.NS: {
      const flags = num(a[0]);
      return { 'namespace.flags': flags, 'namespace.types': NAMESPACE_FLAGS.filter(([f]) => (flags & f) !== 0).map(([, n]) => n) };
    }
    case SEC_EV.MEMFD:
      return { 'memfd.name': e.strs[0], 'memfd.flags': num(a[0]) };
    case SEC_EV.CONNECT: {
      const attrs: Attributes = {
        'network.peer.address': ipAddress(e), 'network.peer.port': num(a[2]), 'network.type': num(a[1]) === AF_INET ? 'ipv4' : 'ipv6',
      };
      const type = num(a[5] & 0xfn);
      if (type === SOCK_STREAM) attrs['network.transport'] = 'tcp';
      else if (type === SOCK_DGRAM) attrs['network.transport'] = 'udp';
      return attrs;
    }
    case SEC_EV.SOCKET:
      return { 'socket.family': 'packet', 'socket.type': num(a[0]), 'socket.protocol': num(a[1]) };
    case SEC_EV.DUP:
      return {
        'file.descriptor.old': num(a[0]), 'file.descriptor.new': num(a[1]), 'file.descriptor.type': 'socket',
        'socket.family': SOCKET_FAMILIES.get(num(a[3])) ?? String(num(a[3])), 'socket.type': num(a[2]),
      };
    default:
      return {};
  }
}
