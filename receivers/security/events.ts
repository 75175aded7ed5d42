/**
 * The contract between the security receiver (which emits these log records)
 * and the anomaly processor's rules (which match on them). Every event is a
 * log record with `eventName` set to one of {@link SECURITY_EVENT_NAMES}, the
 * same name in the `event.name` attribute, the process attributes of
 * {@link PROCESS_ATTRIBUTES} and the event's own attributes listed below.
 */

/** Every event name the security receiver emits. */
export const SECURITY_EVENT_NAMES = [
  'process.exec',
  'process.exit',
  'file.open',
  'file.chmod',
  'process.privilege_change',
  'process.ptrace',
  'kernel.module_load',
  'bpf.program_load',
  'file.mount',
  'process.namespace_change',
  'memfd.create',
  'network.connect',
  'network.socket',
  'file.dup_to_stdio',
  'security.events_dropped',
] as const;

/** A security event name. */
export type SecurityEventName = (typeof SECURITY_EVENT_NAMES)[number];

/**
 * Attributes on every event (but `security.events_dropped`), describing the
 * process that did it. Absent when unknown, never guessed.
 */
export const PROCESS_ATTRIBUTES = {
  'event.name': 'string: the event name again, for rules that read attributes only',
  'process.pid': 'int: tgid',
  'process.thread.id': 'int: tid',
  'process.parent_pid': 'int',
  'process.executable.path': 'string: /usr/bin/cat',
  'process.executable.name': 'string: cat (the comm when the path is unknown)',
  'process.command_line': 'string: argv joined by spaces (bounded by the receiver config)',
  'process.user.id': 'int: effective uid',
  'process.real_user.id': 'int: real uid',
  'process.group.id': 'int: effective gid',
  'process.linux.cgroup': 'string: cgroup v2 path',
  'container.id': 'string: 64-hex id when the cgroup path has one',
  'process.exec_id': 'string: stable id = boot id + start time + pid',
  'process.parent.exec_id': 'string',
  'process.parent.executable.name': 'string',
  'process.parent.executable.path': 'string',
  'process.ancestors.executable.name': 'string[]: parent first, up to the configured depth',
  'process.ancestors.pid': 'int[]: parent first',
  'process.ancestors.exec_id': 'string[]: parent first',
  'syscall.name': 'string: the syscall that made the event (openat, setuid, ...), when one did',
  'syscall.return_value': 'int: the syscall result (negative errno on failure)',
} as const;

/** Each event's own attributes, beyond {@link PROCESS_ATTRIBUTES}. */
export const EVENT_ATTRIBUTES: Record<SecurityEventName, Record<string, string>> = {
  'process.exec': {
    'process.command_args': 'string[]: argv',
    'process.working_directory': 'string: cwd, when available',
    'process.command_args.truncated': 'bool: true when argv was longer than max_args_bytes (absent otherwise)',
    'process.executable.memfd': 'bool: true when the executable is a memfd (fileless exec; absent otherwise)',
  },
  'process.exit': { 'process.exit.code': 'int', 'process.exit.signal': 'int (0 when none)', 'process.duration': 'double: seconds alive' },
  'file.open': {
    'file.path': 'string: as passed (resolved against cwd when relative and known)',
    'file.access': 'string: read | write | read_write',
    'file.open.flags': 'int: the O_* flags',
    'file.open.create': 'bool: O_CREAT',
    'file.open.truncate': 'bool: O_TRUNC',
  },
  'file.chmod': { 'file.path': 'string', 'file.mode': 'int: the new mode', 'file.mode.setuid': 'bool', 'file.mode.setgid': 'bool' },
  'process.privilege_change': {
    'user.id.old': 'int: effective uid before', 'user.id.new': 'int: effective uid after (-1 unchanged)',
    'group.id.old': 'int: effective gid before', 'group.id.new': 'int: effective gid after (-1 unchanged)',
    'process.capabilities.effective': 'int: capset only, the new effective set',
  },
  'process.ptrace': { 'ptrace.request': 'string: PTRACE_ATTACH, PTRACE_POKEDATA, ...', 'ptrace.target.pid': 'int' },
  'kernel.module_load': {
    'module.name': 'string: from the params or file, when known',
    'module.params': 'string: the module parameters passed, when any',
  },
  'bpf.program_load': { 'bpf.program.type': 'int', 'bpf.program.name': 'string', 'bpf.program.instructions': 'int: instruction count' },
  'file.mount': { 'mount.source': 'string', 'mount.target': 'string', 'mount.fs_type': 'string', 'mount.flags': 'int' },
  'process.namespace_change': { 'namespace.flags': 'int: CLONE_NEW* flags', 'namespace.types': 'string[]: net, mnt, pid, ...' },
  'memfd.create': { 'memfd.name': 'string', 'memfd.flags': 'int' },
  'network.connect': {
    'network.peer.address': 'string', 'network.peer.port': 'int', 'network.type': 'string: ipv4 | ipv6',
    'network.transport': 'string: tcp | udp',
  },
  'network.socket': { 'socket.family': 'string: packet', 'socket.type': 'int', 'socket.protocol': 'int' },
  'file.dup_to_stdio': {
    'file.descriptor.old': 'int', 'file.descriptor.new': 'int: 0, 1 or 2', 'file.descriptor.type': 'string: socket',
    'socket.family': 'string: inet | inet6 | unix | ... (unix: e.g. a parent\'s stdio socketpair, as node and libuv give children)',
    'socket.type': 'int: SOCK_STREAM 1, SOCK_DGRAM 2, ...',
  },
  'security.events_dropped': {
    'security.dropped.reason': 'string: ring_buffer_full | rate_limited | queue_full | stash_full | malformed',
    'security.dropped.count': 'int: since the last such record',
    'security.dropped.event.name': 'string: the event name the dropped events would have had (process.fork for table updates)',
  },
};
