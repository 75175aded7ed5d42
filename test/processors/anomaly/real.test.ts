/**
 * The shipped rules on real actions: the security receiver traces this
 * machine, its events go through the anomaly processor with the default rule
 * set, and each rule must fire on the process that did the real action
 * (reading /etc/shadow, chmod u+s, ptrace attach, memfd_create + fexecve, a
 * socket dup'ed onto a shell's stdin, ...) and stay silent on its benign twin.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecord } from '../../../core/signals';
import { anomalyOperator } from '../../../processors/anomaly/operator';
import { SecurityReceiver } from '../../../receivers/security/receiver';
import { bpfToolchainMissing, compileC } from '../../support/bpf-compile';
import { receiverContext } from '../../support/receiver-context';
import { INTERVAL_MS, secactPath, securityConfig, sleep } from '../../receivers/security/harness';
import { shippedRules } from './events';

const skip = process.getuid?.() !== 0 ? 'needs root' : bpfToolchainMissing();

/** Runs a program to its end; returns the "key value" lines it printed and its pid. */
function runProgram(path: string, args: string[] = []): Promise<{ pid: number; values: Map<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, (err, stdout) => {
      if (err && (err as { code?: unknown }).code === 'ENOENT') return reject(err);
      const values = new Map<string, number>();
      for (const line of stdout.split('\n')) {
        const m = /^(\w+) (-?\d+)$/.exec(line);
        if (m && !values.has(m[1])) values.set(m[1], Number(m[2]));
      }
      resolve({ pid: child.pid ?? -1, values });
    });
  });
}

/** The pid that did the action: the printed child when there is one, else the program. */
async function act(path: string, args: string[], who: 'self' | 'child' = 'self'): Promise<number> {
  const { pid, values } = await runProgram(path, args);
  if (who === 'child') {
    const child = values.get('child');
    if (child === undefined) throw new Error(`${path} ${args.join(' ')} printed no child`);
    return child;
  }
  return values.get('pid') ?? pid;
}

const isAlert = (r: LogRecord): boolean => r.eventName === 'security.alert' || r.eventName === 'anomaly.alert';

/** Starts the receiver with the shipped rules behind it, runs `body`, shuts down; returns the alerts. */
async function withRules(config: Record<string, unknown>, body: () => Promise<void>): Promise<LogRecord[]> {
  const receiver = new SecurityReceiver(securityConfig(config), receiverContext('security'));
  const alerts: LogRecord[] = [];
  receiver.batches.pipe(anomalyOperator({ rules: shippedRules().rules, dropEvents: true, maxKeys: 10_000 })).subscribe((b) => {
    for (const r of b.records as LogRecord[]) if (isAlert(r)) alerts.push(r);
  });
  await receiver.start();
  try {
    await body();
    await sleep(INTERVAL_MS * 2);
  } finally {
    await receiver.shutdown();
  }
  return alerts;
}

t.test('every shipped rule the receiver supports fires on its real action and not on the benign twin', { skip }, async (t) => {
  const secact = secactPath();
  const ruleact = compileC(join(__dirname, 'fixtures', 'ruleact.c'));
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-real-'));
  const named = (name: string): string => {
    const path = join(dir, name);
    copyFileSync(secact, path);
    return path;
  };
  const asBpftool = named('bpftool');
  const asDhclient = named('dhclient');
  const asRunc = named('runc');
  const payload = join(dir, 'payload');
  copyFileSync('/bin/true', payload);
  const suid = join(dir, 'suid-me');
  writeFileSync(suid, '');
  const tag = `ebpf-pipeline-rule-test-${process.pid}`;
  const binFile = `/usr/local/bin/${tag}`;
  const logFile = `/var/log/${tag}.log`;
  // A watched open below /lib/modules/ (the file need not exist: reading a module path is not loading one).
  const moduleFile = join('/lib/modules', release(), 'modules.dep');
  t.teardown(() => {
    rmSync(binFile, { force: true });
    rmSync(logFile, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** rule -> [pids of the trigger, pids of the benign twin]. */
  const pids: Record<string, [number[], number[]]> = {};
  const alerts = await withRules({}, async () => {
    const record = async (rule: string, trigger: Promise<number>[] | (() => Promise<number>), twin: () => Promise<number>): Promise<void> => {
      const triggerPids = typeof trigger === 'function' ? [await trigger()] : await Promise.all(trigger);
      pids[rule] = [triggerPids, [await twin()]];
    };
    await record('Read sensitive file', () => act(secact, ['open', '/etc/shadow', 'r']), () => act(secact, ['open', '/etc/hostname', 'r']));
    await record('Write below binary directory', () => act(secact, ['open', binFile, 'wct']), () => act(secact, ['open', '/usr/bin/true', 'r']));
    await record('Set setuid or setgid bit', () => act(secact, ['chmod', suid, '4755']), () => act(secact, ['chmod', suid, '0755']));
    await record('Non sudo setuid to root', () => act(ruleact, ['seteuid-root']), () => act(secact, ['setuid-drop'], 'child'));
    await record('Ptrace attach or poke', () => act(secact, ['ptrace']), () => act(ruleact, ['traceme'], 'child'));
    await record('Kernel module load', () => act(secact, ['init-module']), () => act(secact, ['open', moduleFile, 'r']));
    await record('BPF program load by unknown process', () => act(secact, ['bpf']), () => act(asBpftool, ['bpf']));
    await record('Fileless execution', () => act(secact, ['memfd-exec']), async () => (await runProgram('/bin/true')).pid);
    await record('Execution from a temporary directory', async () => (await runProgram(payload)).pid, async () => (await runProgram('/bin/true')).pid);
    await record('Packet socket created', () => act(secact, ['packet']), () => act(asDhclient, ['packet']));
    await record('Reverse shell', () => act(secact, ['dup-shell'], 'child'), () => act(ruleact, ['dup-stdout']));
    await record('Namespace change outside container runtimes', () => act(secact, ['setns']), () => act(asRunc, ['setns']));
    await record('Log truncated', () => act(secact, ['open', logFile, 'wct']), () => act(secact, ['open', logFile, 'w']));
  });

  const shipped = shippedRules().rules.filter((r) => r.kind === 'event').map((r) => r.name);
  const untested = shipped.filter((name) => !(name in pids));
  t.same(untested, ['Security events dropped'], 'every event rule but the drop alert (tested below) has a real action');
  for (const [rule, [triggers, twins]] of Object.entries(pids)) {
    const fired = alerts.filter((a) => a.attributes['security_rule.name'] === rule);
    const firedFor = (pid: number): LogRecord[] => fired.filter((a) => a.attributes['process.pid'] === pid);
    for (const pid of triggers) t.ok(firedFor(pid).length >= 1, `${rule}: fires on the real action (pid ${pid})`);
    for (const pid of twins) t.same(firedFor(pid).map((a) => a.body), [], `${rule}: silent on the benign twin (pid ${pid})`);
  }
  // Every process this test spawned got a UNIX socketpair dup'ed onto its stdin by libuv: none of those is a reverse shell.
  t.same(alerts.filter((a) => a.attributes['security_rule.name'] === 'Reverse shell').map((a) => a.attributes['process.pid']), pids['Reverse shell'][0],
    'Reverse shell fires for the dup-shell child only, not for the socketpairs on every spawned child\'s stdio');
  const shadow = alerts.find((a) => a.attributes['security_rule.name'] === 'Read sensitive file' && a.attributes['process.pid'] === pids['Read sensitive file'][0][0]);
  t.equal(shadow?.attributes['file.path'], '/etc/shadow');
  t.match(String(shadow?.body), /^Sensitive file opened for reading \(file=\/etc\/shadow process=secact pid=\d+ command=\S*secact open \/etc\/shadow r user=0 parent=node\)$/);
});

t.test('the drop alert fires when the receiver drops events', { skip }, async (t) => {
  const secact = secactPath();
  const alerts = await withRules({ rate_limit: { events_per_second: 20, burst: 20 } }, async () => {
    await act(secact, ['flood', '/etc/hostname', '0.3']);
    await sleep(INTERVAL_MS * 2);
  });
  const dropped = alerts.filter((a) => a.attributes['security_rule.name'] === 'Security events dropped');
  t.ok(dropped.length >= 1, 'alerted');
  const rateLimited = dropped.filter((a) => a.attributes['security.dropped.reason'] === 'rate_limited');
  t.ok(rateLimited.length >= 1, 'for rate_limited drops');
  t.ok(rateLimited.every((a) => Number(a.attributes['security.dropped.count']) > 0));
  t.equal(rateLimited[0].severityText, 'ERROR');
});

/** An IPv4 address of this machine that is not loopback, when there is one. */
function outboundAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

t.test('shipped sequence and count rules on real processes', { skip }, async (t) => {
  const ruleact = compileC(join(__dirname, 'fixtures', 'ruleact.c'));
  const address = outboundAddress();
  const loop = (n: number): Promise<number> => new Promise((resolve, reject) => {
    const child = execFile('/bin/sh', ['-c', `i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done`], (err) => (err ? reject(err) : resolve(child.pid ?? -1)));
  });
  const r: Record<string, number> = {};
  const alerts = await withRules({}, async () => {
    if (address) r.outbound = await act(ruleact, ['connect-shell', address], 'child');
    r.loopback = await act(ruleact, ['connect-shell', '127.0.0.1'], 'child');
    // Count windows are epoch-aligned: start the burst early in a 10 s window so it does not straddle two.
    const into = Date.now() % 10_000;
    if (into > 4000) await sleep(10_050 - into);
    r.burst = await loop(201);
    r.steady = await loop(150);
  });
  const by = (rule: string, key: string, value: number): LogRecord[] => alerts.filter((a) => a.attributes['security_rule.name'] === rule && a.attributes[key] === value);
  if (address) {
    const [alert] = by('Shell after outbound connection', 'process.pid', r.outbound);
    t.ok(alert, `a shell after a connect to ${address} (this machine's own non-loopback address)`);
    t.equal(alert?.attributes['process.executable.name'], 'sh');
    t.equal(alert?.attributes['network.peer.address'], undefined, 'the alert carries the shell exec, not the connect');
    t.equal(alert?.attributes['anomaly.sequence.first.event.name'], 'network.connect');
  } else {
    t.comment('no non-loopback IPv4 address here: the outbound half is covered by the replay and unit tests');
  }
  t.same(by('Shell after outbound connection', 'process.pid', r.loopback), [], 'silent after a loopback connect');
  const burst = by('Process spawn burst', 'process.parent_pid', r.burst);
  t.equal(burst.length, 1, 'one alert for 201 execs by one shell');
  t.equal(burst[0]?.attributes['anomaly.value'], 201);
  t.same(by('Process spawn burst', 'process.parent_pid', r.steady), [], 'silent for 150 execs');
});
