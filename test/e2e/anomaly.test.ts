// The anomaly processor through the CLI: rule-file errors at validate (exit 2,
// one clear message), and baseline and sequence rules over replayed events
// giving exactly the alerts the recorded data must give.
import t from 'tap';
import type { Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRequestLine, encodeRequest } from '../../core/otlp-json';
import type { Batch, LogRecord } from '../../core/signals';
import { eventually, ROOT, runCli, startAgent } from '../support/cli';
import { bpfToolchainMissing } from '../support/bpf-compile';
import { secactPath } from '../receivers/security/harness';
import { securityEvent, type Proc } from '../processors/anomaly/events';

const RULES = join(ROOT, 'configs', 'rules');

function assertOneCleanError(t: Test, result: { code: number | null; stderr: string }, pattern: RegExp): void {
  t.equal(result.code, 2, 'exit code 2');
  t.match(result.stderr, pattern);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
  t.equal(result.stderr.split('\n').filter((l) => /^\S.*:\d+:\d+: /.test(l)).length, 1, 'one problem');
}

function pipelineConfig(dir: string, anomaly: string[], extra: { replay?: string; out?: string } = {}): string {
  const text = [
    'receivers:',
    `  replay: { path: ${extra.replay ?? join(dir, 'none.jsonl')} }`,
    'processors:',
    '  anomaly:',
    ...anomaly.map((l) => `    ${l}`),
    'exporters:',
    `  file: { path: ${extra.out ?? join(dir, 'out.jsonl')} }`,
    'service:',
    '  pipelines:',
    '    logs: { receivers: [replay], processors: [anomaly], exporters: [file] }',
    '',
  ].join('\n');
  const path = join(dir, 'pipeline.yaml');
  writeFileSync(path, text);
  return path;
}

t.test('validate: the shipped rules load', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  const config = pipelineConfig(dir, ['rule_files:', `  - ${RULES}/security.yaml`, `  - ${RULES}/anomaly.yaml`]);
  const result = await runCli(['validate', '--config', config]);
  t.equal(result.code, 0, result.stderr);
});

t.test('validate: a bad condition in a rule file names the file, line, rule, expression and position', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  writeFileSync(join(dir, 'rules.yaml'), '- rule: Shadow read\n  condition: name == "file.open" && attributes["file.path"] = "/etc/shadow"\n');
  const config = pipelineConfig(dir, ['rule_files: [rules.yaml]']);
  const result = await runCli(['validate', '--config', config]);
  assertOneCleanError(t, result, new RegExp(
    `pipeline\\.yaml:5:18: processors\\.anomaly\\.rule_files\\[0\\]: ${dir}/rules\\.yaml:2:14: \\[0\\]\\.condition: rule "Shadow read": invalid CEL expression: .* at position 47:\\n`
    + ' {2}name == "file.open" && attributes\\["file.path"\\] = "/etc/shadow"\\n {49}\\^\\n',
  ));
});

t.test('validate: an unknown priority and an unknown field in inline rules', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  const priority = pipelineConfig(dir, ['rules:', '  - rule: R', '    condition: "true"', '    priority: urgent']);
  assertOneCleanError(t, await runCli(['validate', '--config', priority]),
    /pipeline\.yaml:6:9: processors\.anomaly\.rules\[0\]: priority: rule "R": must be one of "emergency", .*; got string "urgent"\n/);
  const field = pipelineConfig(dir, ['rules:', '  - rule: R', '    condition: "true"', '    outptu: x']);
  assertOneCleanError(t, await runCli(['validate', '--config', field]),
    /pipeline\.yaml:6:9: processors\.anomaly\.rules\[0\]: outptu: rule "R": unknown key "outptu"; did you mean "output"\?\n/);
});

t.test('validate: a missing rule file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  const config = pipelineConfig(dir, ['rule_files: [missing.yaml]']);
  assertOneCleanError(t, await runCli(['validate', '--config', config]),
    new RegExp(`pipeline\\.yaml:5:18: processors\\.anomaly\\.rule_files\\[0\\]: cannot read rule file ${dir}/missing\\.yaml: ENOENT; check the path`));
});

const T0 = 1_700_000_040_000; // a whole minute

/** Recorded events: steady file opens with one burst, and connect -> shell sequences. */
function recording(): Batch[] {
  const batches: Batch[] = [];
  const backupd: Proc = { pid: 900, name: 'backupd', execId: 'backupd-1' };
  const nginx: Proc = { pid: 901, name: 'nginx', execId: 'nginx-1' };
  const opens = (p: Proc, minute: number, n: number): LogRecord[] => Array.from({ length: n }, (_, i) =>
    securityEvent('file.open', p, { 'file.path': '/etc/hosts', 'file.access': 'read', 'syscall.name': 'openat', 'syscall.return_value': 3 }, T0 + minute * 60_000 + 100 + i * 50));
  const init: Proc = { pid: 1, name: 'systemd', execId: 'init' };
  const connect = (p: Proc, address: string, ms: number): LogRecord => securityEvent('network.connect', p,
    { 'network.peer.address': address, 'network.peer.port': 4444, 'network.type': 'ipv4', 'network.transport': 'tcp', 'syscall.name': 'connect', 'syscall.return_value': 0 }, T0 + ms);
  const shell = (parent: Proc, pid: number, ms: number): LogRecord => securityEvent('process.exec',
    { pid, name: 'sh', path: '/bin/sh', execId: `sh-${pid}`, ancestors: [parent, init] }, { 'process.command_args': ['sh', '-i'] }, T0 + ms);
  const dropper: Proc = { pid: 950, name: 'python3', execId: 'py-950', ancestors: [init] };
  const local: Proc = { pid: 960, name: 'python3', execId: 'py-960', ancestors: [init] };
  const slow: Proc = { pid: 970, name: 'curl', execId: 'curl-970', ancestors: [init] };
  for (let minute = 0; minute <= 11; minute++) {
    const records = [...opens(nginx, minute, 30)];
    if (minute <= 10) records.push(...opens(backupd, minute, minute === 10 ? 200 : 20));
    if (minute === 0) records.push(connect(dropper, '198.51.100.7', 5000), shell(dropper, 951, 8000), connect(local, '127.0.0.1', 9000), shell(local, 961, 9500), connect(slow, '203.0.113.1', 20_000));
    if (minute === 1) records.push(shell(slow, 971, 61_000)); // 41 s after its connect: outside the 30 s window
    records.sort((a, b) => a.time[0] - b.time[0] || a.time[1] - b.time[1]);
    batches.push({ signal: 'logs', records });
  }
  return batches;
}

t.test('replayed events: the shipped baseline and sequence rules give exactly the expected alerts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  const replay = join(dir, 'events.jsonl');
  writeFileSync(replay, recording().map((b) => JSON.stringify(encodeRequest(b))).join('\n') + '\n');
  const out = join(dir, 'alerts.jsonl');
  const config = pipelineConfig(dir, ['rule_files:', `  - ${RULES}/security.yaml`, `  - ${RULES}/anomaly.yaml`, 'drop_events: true'], { replay, out });
  const agent = startAgent(['--config', config]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('replay finished'), 30_000);
  t.equal(await agent.stop(), 0);
  t.ok(existsSync(out), 'alerts written');
  const alerts = readFileSync(out, 'utf8').split('\n').filter((l) => l.trim() !== '')
    .flatMap((l) => decodeRequestLine(JSON.parse(l)))
    .flatMap((b) => b.records as LogRecord[]);
  const summary = alerts.map((a) => [a.eventName, a.attributes['security_rule.name'], a.attributes['process.executable.name'], a.attributes['process.pid']]);
  t.same(summary, [
    ['security.alert', 'Shell after outbound connection', 'sh', 951],
    ['anomaly.alert', 'Unusual watched file access rate', 'backupd', 900],
  ]);
  const [sequence, baseline] = alerts;
  t.equal(sequence.attributes['anomaly.sequence.origin.pid'], 950);
  t.equal(sequence.attributes['anomaly.sequence.elapsed'], 3);
  t.equal(sequence.severityText, 'WARNING');
  t.same(sequence.time, [Math.floor((T0 + 8000) / 1000), 0], 'at the shell exec');
  t.equal(baseline.attributes['anomaly.value'], 200);
  t.equal(baseline.attributes['anomaly.baseline'], 20);
  t.equal(baseline.attributes['anomaly.deviation'], 0);
  t.equal(baseline.attributes['anomaly.window'], 60);
  t.equal(baseline.attributes['anomaly.window.start'], new Date(T0 + 10 * 60_000).toISOString());
  t.same(baseline.time, [(T0 + 11 * 60_000) / 1000, 0], 'at the end of the window');
  t.equal(baseline.body, 'Unusual file access rate (200 opens in 60s by backupd; baseline 20, deviation 0)');
});

t.test('configs/security-rules.yaml: a real /etc/shadow read becomes one alert line, its benign twin none', { skip: process.getuid?.() !== 0 ? 'needs root' : bpfToolchainMissing() }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  const out = join(dir, 'alerts.jsonl');
  const agent = startAgent(['--config', join(ROOT, 'configs', 'security-rules.yaml')], { ALERTS_FILE: out });
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog((l) => l.msg === 'ebpf-pipeline started', 30_000);
  const secact = secactPath();
  const run = (args: string[]): number => Number(/^pid (\d+)$/m.exec(execFileSync(secact, args).toString())?.[1]);
  const reader = run(['open', '/etc/shadow', 'r']);
  const twin = run(['open', '/etc/hostname', 'r']);
  const alertsOf = (pid: number): LogRecord[] => (existsSync(out) ? readFileSync(out, 'utf8') : '').split('\n').filter((l) => l.trim() !== '')
    .flatMap((l) => decodeRequestLine(JSON.parse(l))).flatMap((b) => b.records as LogRecord[])
    .filter((r) => r.attributes['process.pid'] === pid && r.attributes['security_rule.name'] === 'Read sensitive file');
  const [alert] = await eventually(() => (alertsOf(reader).length > 0 ? alertsOf(reader) : undefined), 15_000, 'the alert');
  t.equal(await agent.stop(), 0);
  t.equal(alertsOf(reader).length, 1, 'one alert');
  t.equal(alert.attributes['file.path'], '/etc/shadow');
  t.equal(alert.severityText, 'WARNING');
  t.same(alertsOf(twin), [], 'nothing for /etc/hostname');
  t.match(agent.stdout() + agent.stderr(), /Sensitive file opened for reading \(file=\/etc\/shadow process=secact/, 'the debug exporter printed it');
});

t.test('SIGHUP re-reads the rule files: a bad rule keeps the running pipelines, a good one is used', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-e2e-'));
  const replay = join(dir, 'events.jsonl');
  const shadowRead = securityEvent('file.open', { pid: 42, name: 'cat' }, { 'file.path': '/etc/shadow', 'file.access': 'read', 'syscall.return_value': 3 }, T0);
  writeFileSync(replay, JSON.stringify(encodeRequest({ signal: 'logs', records: [shadowRead] })) + '\n');
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, '- rule: First\n  condition: name == "file.open"\n');
  const out = join(dir, 'alerts.jsonl');
  const config = pipelineConfig(dir, ['rule_files: [rules.yaml]', 'drop_events: true'], { replay, out });
  const agent = startAgent(['--config', config]);
  t.teardown(() => agent.stop('SIGKILL'));
  const finished = (l: Record<string, unknown>): boolean => typeof l.msg === 'string' && l.msg.startsWith('replay finished');
  await agent.waitForLog(finished, 30_000);

  writeFileSync(rules, '- rule: Broken\n  condition: name == \n');
  agent.child.kill('SIGHUP');
  const failure = await agent.waitForLog((l) => l.msg === 'reload failed; the running pipelines keep going');
  t.match(String(failure.err), /rules\.yaml:2:14: \[0\]\.condition: rule "Broken": invalid CEL expression/);
  t.equal(agent.child.exitCode, null, 'still running');

  writeFileSync(rules, '- rule: Second\n  condition: attributes["file.path"] == "/etc/shadow"\n');
  agent.child.kill('SIGHUP');
  await agent.waitForLog((l) => finished(l) && agent.logs().filter(finished).length === 2, 30_000);
  t.equal(await agent.stop(), 0);
  const names = readFileSync(out, 'utf8').split('\n').filter((l) => l.trim() !== '')
    .flatMap((l) => decodeRequestLine(JSON.parse(l))).flatMap((b) => b.records as LogRecord[])
    .map((r) => r.attributes['security_rule.name']);
  t.same(names, ['First', 'Second'], 'one alert from each rule set');
});
