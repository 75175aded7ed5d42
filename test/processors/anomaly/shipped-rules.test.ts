/**
 * Every shipped rule (configs/rules/*.yaml) fires on a synthetic event that
 * follows the security receiver's contract, and stays silent on its benign twin.
 */
import t from 'tap';
import { from } from 'rxjs';
import type { Attributes, LogRecord } from '../../../core/signals';
import { anomalyOperator } from '../../../processors/anomaly/operator';
import { shippedRules, securityEvent, type Proc } from './events';

const T0 = 1_700_000_040_000;
const ruleSet = shippedRules();

/** The names of the rules that alert on these events, in order. */
function alertsOn(records: LogRecord[]): string[] {
  const out: string[] = [];
  const op = anomalyOperator({ rules: ruleSet.rules, dropEvents: true, maxKeys: 1000 });
  from([{ signal: 'logs' as const, records }]).pipe(op).subscribe((b) => {
    for (const r of b.records) out.push(String(r.attributes['security_rule.name']));
  });
  return out;
}

const user: Proc = { pid: 4000, name: 'cat', uid: 1000, commandLine: 'cat /etc/shadow', ancestors: [{ pid: 3999, name: 'bash' }, { pid: 1, name: 'systemd' }] };
const named = (name: string, extra: Partial<Proc> = {}): Proc => ({ ...user, name, commandLine: name, ...extra });
const ok = { 'syscall.return_value': 0 };
const open = (p: Proc, path: string, access: string, flags: Attributes = {}): LogRecord =>
  securityEvent('file.open', p, { 'file.path': path, 'file.access': access, 'file.open.flags': 0, 'file.open.create': false, 'file.open.truncate': false, 'syscall.name': 'openat', 'syscall.return_value': 3, ...flags });

const dup = (name: string, family: string, fd: number): LogRecord => securityEvent('file.dup_to_stdio', named(name),
  { 'file.descriptor.old': 3, 'file.descriptor.new': fd, 'file.descriptor.type': 'socket', 'socket.family': family, 'socket.type': 1, 'syscall.name': 'dup2', 'syscall.return_value': fd });

/** rule -> [trigger events, benign twin events]. */
const cases: Record<string, [LogRecord[], LogRecord[]]> = {
  'Read sensitive file': [
    [open(user, '/etc/shadow', 'read'), open(user, '/etc/sudoers.d/90-cloud', 'read')],
    [open(user, '/etc/passwd', 'read'), open(named('unix_chkpwd'), '/etc/shadow', 'read'), open(user, '/etc/shadow', 'read', { 'syscall.return_value': -13 })],
  ],
  'Write below binary directory': [
    [open(user, '/usr/bin/ls', 'write'), open(user, '/usr/local/sbin/x', 'read_write')],
    [open(user, '/usr/bin/ls', 'read'), open(named('dpkg'), '/usr/bin/ls', 'write')],
  ],
  'Set setuid or setgid bit': [
    [securityEvent('file.chmod', user, { 'file.path': '/tmp/x', 'file.mode': 0o4755, 'file.mode.setuid': true, 'file.mode.setgid': false, 'syscall.name': 'fchmodat', ...ok })],
    [securityEvent('file.chmod', user, { 'file.path': '/tmp/x', 'file.mode': 0o755, 'file.mode.setuid': false, 'file.mode.setgid': false, 'syscall.name': 'fchmodat', ...ok })],
  ],
  'Non sudo setuid to root': [
    [securityEvent('process.privilege_change', user, { 'user.id.old': 1000, 'user.id.new': 0, 'group.id.old': 1000, 'group.id.new': -1, 'syscall.name': 'setresuid', ...ok })],
    [
      securityEvent('process.privilege_change', user, { 'user.id.old': 0, 'user.id.new': 1000, 'group.id.old': 0, 'group.id.new': -1, 'syscall.name': 'setuid', ...ok }),
      securityEvent('process.privilege_change', named('sudo'), { 'user.id.old': 1000, 'user.id.new': 0, 'group.id.old': 1000, 'group.id.new': -1, 'syscall.name': 'setresuid', ...ok }),
    ],
  ],
  'Ptrace attach or poke': [
    [
      securityEvent('process.ptrace', user, { 'ptrace.request': 'PTRACE_ATTACH', 'ptrace.target.pid': 4001, 'syscall.name': 'ptrace', ...ok }),
      securityEvent('process.ptrace', user, { 'ptrace.request': 'PTRACE_POKEDATA', 'ptrace.target.pid': 4001, 'syscall.name': 'ptrace', ...ok }),
    ],
    [
      securityEvent('process.ptrace', user, { 'ptrace.request': 'PTRACE_TRACEME', 'ptrace.target.pid': 0, 'syscall.name': 'ptrace', ...ok }),
      securityEvent('process.ptrace', user, { 'ptrace.request': 'PTRACE_PEEKDATA', 'ptrace.target.pid': 4001, 'syscall.name': 'ptrace', ...ok }),
      securityEvent('process.ptrace', user, { 'ptrace.request': 'PTRACE_ATTACH', 'ptrace.target.pid': 1, 'syscall.name': 'ptrace', 'syscall.return_value': -1 }),
    ],
  ],
  'Kernel module load': [
    [securityEvent('kernel.module_load', named('insmod'), { 'module.name': 'evil', 'syscall.name': 'finit_module', 'syscall.return_value': -8 })],
    [open(named('modprobe'), '/lib/modules/6.18.0/modules.dep', 'read')],
  ],
  'BPF program load by unknown process': [
    [securityEvent('bpf.program_load', named('loader'), { 'bpf.program.type': 1, 'bpf.program.name': 'x', 'syscall.name': 'bpf', 'syscall.return_value': 5 })],
    [
      securityEvent('bpf.program_load', named('systemd'), { 'bpf.program.type': 9, 'bpf.program.name': 'sd_fw_egress', 'syscall.name': 'bpf', 'syscall.return_value': 5 }),
      securityEvent('bpf.program_load', named('node', { commandLine: 'node /opt/ebpf-pipeline/bin/ebpf-pipeline --config x' }), { 'bpf.program.type': 1, 'bpf.program.name': 'y', 'syscall.name': 'bpf', 'syscall.return_value': 5 }),
    ],
  ],
  'Fileless execution': [
    [
      securityEvent('process.exec', named('3', { path: '/dev/fd/3' }), { 'process.command_args': ['x'] }),
      securityEvent('process.exec', named('x', { path: '/memfd:payload (deleted)' }), { 'process.command_args': ['x'] }),
      securityEvent('process.exec', named('x', { path: '/proc/self/fd/4' }), { 'process.command_args': ['x'], 'process.executable.memfd': true }),
    ],
    [securityEvent('process.exec', named('ls', { path: '/usr/bin/ls' }), { 'process.command_args': ['ls'] })],
  ],
  'Execution from a temporary directory': [
    [securityEvent('process.exec', named('x', { path: '/tmp/x' }), {}), securityEvent('process.exec', named('y', { path: '/dev/shm/.y' }), {})],
    [securityEvent('process.exec', named('ls', { path: '/usr/bin/ls' }), {}), open(user, '/tmp/x', 'read')],
  ],
  'Packet socket created': [
    [securityEvent('network.socket', named('sniffer'), { 'socket.family': 'packet', 'socket.type': 3, 'socket.protocol': 768, 'syscall.name': 'socket', 'syscall.return_value': 3 })],
    [securityEvent('network.socket', named('dhclient'), { 'socket.family': 'packet', 'socket.type': 3, 'socket.protocol': 768, 'syscall.name': 'socket', 'syscall.return_value': 3 })],
  ],
  'Reverse shell': [
    [dup('bash', 'inet', 0), dup('python3', 'inet6', 0)],
    [dup('node', 'unix', 0), dup('bash', 'inet', 1), dup('systemd', 'inet', 0)],
  ],
  'Namespace change outside container runtimes': [
    [securityEvent('process.namespace_change', named('unshare'), { 'namespace.flags': 0x40000000, 'namespace.types': ['net'], 'syscall.name': 'unshare', ...ok })],
    [securityEvent('process.namespace_change', named('runc'), { 'namespace.flags': 0x40000000, 'namespace.types': ['net'], 'syscall.name': 'setns', ...ok })],
  ],
  'Log truncated': [
    [open(user, '/var/log/auth.log', 'write', { 'file.open.truncate': true })],
    [open(user, '/var/log/auth.log', 'write', { 'file.open.truncate': false }), open(named('logrotate'), '/var/log/syslog', 'write', { 'file.open.truncate': true })],
  ],
  'Security events dropped': [
    [securityEvent('security.events_dropped', user, { 'security.dropped.reason': 'rate_limited', 'security.dropped.count': 17 })],
    [securityEvent('process.exit', user, { 'process.exit.code': 0, 'process.exit.signal': 0, 'process.duration': 1.5 })],
  ],
};

t.test('every shipped event rule fires on its trigger and stays silent on its benign twin', async (t) => {
  const eventRules = ruleSet.rules.filter((r) => r.kind === 'event').map((r) => r.name);
  t.same(Object.keys(cases).sort(), [...eventRules].sort(), 'a case for every shipped event rule');
  for (const [rule, [triggers, twins]] of Object.entries(cases)) {
    t.same(alertsOn(triggers), triggers.map(() => rule), `${rule}: fires once per trigger, and no other rule does`);
    t.same(alertsOn(twins), [], `${rule}: silent on the benign twin`);
  }
});

t.test('shipped alert output', async (t) => {
  const [alert] = (() => {
    const out: LogRecord[] = [];
    from([{ signal: 'logs' as const, records: [open(user, '/etc/shadow', 'read')] }]).pipe(anomalyOperator({ rules: ruleSet.rules, dropEvents: true, maxKeys: 10 })).subscribe((b) => out.push(...(b.records as LogRecord[])));
    return out;
  })();
  t.equal(alert.body, 'Sensitive file opened for reading (file=/etc/shadow process=cat pid=4000 command=cat /etc/shadow user=1000 parent=bash)');
  t.equal(alert.severityText, 'WARNING');
  t.equal(alert.severityNumber, 13);
  t.equal(alert.attributes['security_rule.category'], 'credential_access');
});

t.test('shipped sequence rule: outbound connect, then a shell in the same process tree', async (t) => {
  const dropper: Proc = { pid: 500, name: 'python3', execId: 'py-1', ancestors: [{ pid: 1, name: 'systemd', execId: 'init' }] };
  const shell: Proc = { pid: 501, name: 'sh', path: '/bin/sh', execId: 'sh-1', ancestors: [dropper, { pid: 1, name: 'systemd', execId: 'init' }] };
  const connect = (address: string, ms: number): LogRecord => securityEvent('network.connect', dropper, { 'network.peer.address': address, 'network.peer.port': 4444, 'network.type': 'ipv4', 'network.transport': 'tcp', 'syscall.name': 'connect', 'syscall.return_value': 0 }, T0 + ms);
  const exec = (ms: number): LogRecord => securityEvent('process.exec', shell, { 'process.command_args': ['sh'] }, T0 + ms);
  t.same(alertsOn([connect('198.51.100.7', 0), exec(5000)]), ['Shell after outbound connection']);
  t.same(alertsOn([connect('127.0.0.1', 0), exec(5000)]), [], 'loopback connect');
  t.same(alertsOn([connect('198.51.100.7', 0), exec(31_000)]), [], 'after the 30 s window');
});

t.test('shipped count rule: more than 200 execs by one parent in 10 s', async (t) => {
  const parent: Proc = { pid: 600, name: 'bash', execId: 'bash-1' };
  const execs = (n: number, spacingMs: number): LogRecord[] => Array.from({ length: n }, (_, i) =>
    securityEvent('process.exec', { pid: 700 + i, name: 'true', ancestors: [parent] }, {}, T0 + i * spacingMs));
  t.same(alertsOn(execs(201, 10)), ['Process spawn burst']);
  t.same(alertsOn(execs(200, 10)), [], '200 is not more than 200');
  t.same(alertsOn(execs(300, 100)), [], '300 over 30 s: at most 100 per window');
});

t.test('shipped baseline rule: a burst of opens after a steady baseline', async (t) => {
  const daemon = { pid: 800, name: 'backupd' };
  const minute = (m: number, n: number): LogRecord[] => Array.from({ length: n }, (_, i) => securityEvent('file.open', daemon, { 'file.path': '/etc/hosts', 'file.access': 'read', 'syscall.return_value': 3 }, T0 + m * 60_000 + i));
  const steady = Array.from({ length: 10 }, (_, m) => minute(m, 20)).flat();
  const closer = securityEvent('process.exit', { pid: 1, name: 'init' }, {}, T0 + 11 * 60_000); // closes minute 10
  t.same(alertsOn([...steady, ...minute(10, 200), closer]), ['Unusual watched file access rate'], '200 after ten minutes of 20');
  t.same(alertsOn([...steady, ...minute(10, 40), closer]), [], '40 is within 4 deviations (floor 5) of 20');
});
