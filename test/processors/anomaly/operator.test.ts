import t from 'tap';
import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Batch, LogRecord } from '../../../core/signals';
import { anomalyOperator } from '../../../processors/anomaly/operator';
import type { RuleEvaluator } from '../../../processors/anomaly/evaluators/evaluator';
import { inlineRules, securityEvent, type Proc } from './events';

const T0 = 1_700_000_040_000; // a multiple of 10 s and of 1 min
const logs = (...records: LogRecord[]): Batch => ({ signal: 'logs', records });
const isAlertRecord = (r: LogRecord): boolean => r.eventName === 'security.alert' || r.eventName === 'anomaly.alert';
/** A batch as short strings: event names, and `alert:<rule>` for alerts. */
const summary = (batch: Batch): string[] => (batch.records as LogRecord[]).map((r) => (isAlertRecord(r) ? `alert:${String(r.attributes['security_rule.name'])}` : r.eventName ?? '?'));
const scheduler = (t: { same(a: unknown, b: unknown): boolean }): TestScheduler => new TestScheduler((actual, expected) => t.same(actual, expected));

/** Runs batches through the operator (synchronously: time comes from the records); returns every output record and the evaluators. */
function run(items: unknown[], batches: Batch[], options: { dropEvents?: boolean; maxKeys?: number } = {}): { out: LogRecord[]; evaluators: RuleEvaluator[]; dropped: number; errors: unknown[] } {
  const evaluators: RuleEvaluator[] = [];
  const errors: unknown[] = [];
  let dropped = 0;
  const op = anomalyOperator({
    rules: inlineRules(items).rules,
    dropEvents: options.dropEvents ?? false,
    maxKeys: options.maxKeys ?? 100,
    onError: (e) => errors.push(e),
    onDropped: (n) => (dropped += n),
    onEvaluators: (e) => evaluators.push(...e),
  });
  const out: LogRecord[] = [];
  from(batches).pipe(op).subscribe((b) => out.push(...(b.records as LogRecord[])));
  return { out, evaluators, dropped, errors };
}

const cat: Proc = { pid: 4242, name: 'cat', commandLine: 'cat /etc/shadow', uid: 1000 };
const sudo: Proc = { pid: 77, name: 'sudo' };

const readRule = [
  { list: 'secrets', items: ['/etc/shadow', '/etc/gshadow'] },
  { macro: 'open_read', condition: 'name == "file.open" && attributes["file.access"] == "read"' },
  {
    rule: 'Read secret',
    desc: 'a secret was read',
    condition: 'open_read && attributes["file.path"] in secrets',
    output: 'read %{file.path} by %{process.executable.name} (%{process.missing})',
    priority: 'critical',
    tags: ['filesystem', 'mitre'],
    exceptions: [{ name: 'sudo', fields: ['process.executable.name'], values: [['sudo']] }],
  },
];
const open = (p: Proc, path: string, access = 'read', timeMs = T0): LogRecord =>
  securityEvent('file.open', p, { 'file.path': path, 'file.access': access, 'file.open.flags': 0, 'syscall.name': 'openat', 'syscall.return_value': 3 }, timeMs);

t.test('event rule: the alert follows its event; benign twin, exception and other events pass silently', async (t) => {
  const op = anomalyOperator({ rules: inlineRules(readRule).rules, dropEvents: false, maxKeys: 10 });
  const hit = open(cat, '/etc/shadow');
  const benign = open(cat, '/etc/hostname');
  const excepted = open(sudo, '/etc/shadow');
  const write = open(cat, '/etc/shadow', 'write');
  const quiet = logs(benign, excepted);
  const metricBatch = { signal: 'metrics', records: [{ name: 'm', eventName: 'm', attributes: {} }] } as unknown as Batch;
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b-c|', { a: logs(benign, hit, write), b: quiet, c: metricBatch });
    expectObservable(input.pipe(op, map(summary))).toBe('-a-b-c|', {
      a: ['file.open', 'file.open', 'alert:Read secret', 'file.open'],
      b: ['file.open', 'file.open'],
      c: ['m'],
    });
  });
  // A batch without alerts is passed on as the same object.
  const seen: Batch[] = [];
  const { of } = await import('rxjs');
  of(quiet).pipe(anomalyOperator({ rules: inlineRules(readRule).rules, dropEvents: false, maxKeys: 10 })).subscribe((b) => seen.push(b));
  t.equal(seen[0], quiet);
});

t.test('event rule: the alert record', async (t) => {
  const hostile: Proc = { ...cat, name: 'c\nat\x1b[31m', commandLine: 'x' };
  const { out } = run(readRule, [logs(open(hostile, '/etc/shadow', 'read', T0 + 1234.5))]);
  t.equal(out.length, 2);
  const [event, alert] = out;
  t.equal(alert.eventName, 'security.alert');
  t.equal(alert.severityNumber, 21);
  t.equal(alert.severityText, 'CRITICAL');
  t.same(alert.time, event.time, 'the time of the event');
  t.equal(alert.resource, event.resource);
  t.equal(alert.body, 'read /etc/shadow by c\\nat\\x1b[31m (<NA>)', 'fields rendered, control characters escaped, missing ones <NA>');
  t.equal(alert.attributes['event.name'], 'security.alert');
  t.equal(alert.attributes['trigger.event.name'], 'file.open');
  t.equal(alert.attributes['security_rule.name'], 'Read secret');
  t.equal(alert.attributes['security_rule.category'], 'filesystem', 'first tag when no category');
  t.equal(alert.attributes['security_rule.description'], 'a secret was read');
  t.same(alert.attributes['security_rule.tags'], ['filesystem', 'mitre']);
  for (const key of ['process.pid', 'process.exec_id', 'file.path', 'process.ancestors.exec_id']) t.same(alert.attributes[key], event.attributes[key], `carries ${key}`);
  t.equal(event.attributes['event.name'], 'file.open', 'the event itself is unchanged');
});

t.test('drop_events: only alerts go on; dropped events are counted', async (t) => {
  const op = anomalyOperator({ rules: inlineRules(readRule).rules, dropEvents: true, maxKeys: 10, onDropped: (n) => dropped.push(n) });
  const dropped: number[] = [];
  scheduler(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b|', { a: logs(open(cat, '/etc/hostname'), open(cat, '/etc/gshadow')), b: logs(open(cat, '/etc/hostname')) });
    expectObservable(input.pipe(op, map(summary))).toBe('-a--|', { a: ['alert:Read secret'] });
  });
  t.same(dropped, [2, 1]);
});

t.test('a condition failing on a record counts as no match and is reported', async (t) => {
  const { out, errors } = run([{ rule: 'odd', condition: 'attributes["file.path"] > 3' }], [logs(open(cat, '/etc/shadow'))]);
  t.equal(out.length, 1);
  t.equal(errors.length, 1);
});

const execOf = (parent: Proc, child: Proc, timeMs: number): LogRecord => securityEvent('process.exec', { ...child, ancestors: [parent] }, { 'process.command_args': [child.name] }, timeMs);

t.test('count rule: once per key and window, above gt', async (t) => {
  const rule = [{
    rule: 'Spawn burst', condition: 'name == "process.exec"', priority: 'notice',
    count: { by: ['process.parent.exec_id'], over: '10s', gt: 2 },
  }];
  const make: Proc = { pid: 10, name: 'make', execId: 'm' };
  const bash: Proc = { pid: 20, name: 'bash', execId: 'b' };
  const ev = (parent: Proc, ms: number): LogRecord => execOf(parent, { pid: 1000 + ms, name: 'cc' }, T0 + ms);
  const batches = [
    logs(ev(make, 0), ev(make, 1000), ev(bash, 1500), ev(make, 2000)), // make: 3rd exec -> alert
    logs(ev(make, 3000), ev(bash, 4000), ev(bash, 5000)), // make: no second alert; bash: 3rd -> alert
    logs(ev(make, 10_000), ev(make, 11_000), ev(make, 12_000)), // new window: alert again
    logs(ev(make, 9_000)), // late: not counted
  ];
  const { out, evaluators } = run(rule, batches);
  const alerts = out.filter(isAlertRecord);
  t.same(alerts.map((a) => [a.attributes['process.parent.exec_id'], a.attributes['anomaly.value'], a.attributes['anomaly.window.start']]), [
    ['m', 3, new Date(T0).toISOString()],
    ['b', 3, new Date(T0).toISOString()],
    ['m', 3, new Date(T0 + 10_000).toISOString()],
  ]);
  const first = alerts[0];
  t.equal(first.eventName, 'anomaly.alert');
  t.equal(first.attributes['anomaly.threshold'], 2);
  t.equal(first.attributes['anomaly.window'], 10);
  t.equal(first.attributes['security_rule.category'], 'count', 'the kind when no category or tag');
  t.equal(first.body, 'Spawn burst: 3 events in 10s (more than 2)', 'default output');
  t.equal(first.severityText, 'NOTICE');
  t.same(first.time, (batches[0].records[3] as LogRecord).time, 'at the event that crossed the threshold');
  t.equal(evaluators[0].stats.late, 1);
  t.equal(evaluators[0].stats.alerts, 3);
});

t.test('count rule: max_keys evicts the oldest key and counts it', async (t) => {
  const rule = [{ rule: 'c', condition: 'name == "process.exec"', count: { by: ['process.executable.name'], over: '1m', gt: 1 } }];
  const ev = (name: string, ms: number): LogRecord => execOf({ pid: 1, name: 'systemd' }, { pid: 100 + ms, name }, T0 + ms);
  // a, b fill the map (max 2); c evicts a; a again evicts b and starts from 0, so a's second event does not alert.
  const { out, evaluators } = run(rule, [logs(ev('a', 0), ev('b', 1), ev('c', 2), ev('a', 3), ev('c', 4))], { maxKeys: 2 });
  t.same(out.filter(isAlertRecord).map((a) => a.attributes['process.executable.name']), ['c']);
  t.equal(evaluators[0].stats.evictions, 2);
});

t.test('baseline rule: EWMA per key, warm-up, alert above and below with baseline, value and window', async (t) => {
  const rule = [{
    rule: 'Open rate', condition: 'name == "file.open"', category: 'anomaly',
    baseline: { by: ['process.executable.name'], over: '1m', k: 1.5, alpha: 0.5, warmup: 3, min_deviation: 1 },
  }];
  const opens = (p: Proc, window: number, n: number): LogRecord[] => Array.from({ length: n }, (_, i) => open(p, '/etc/hosts', 'read', T0 + window * 60_000 + i * 100));
  const nginx: Proc = { pid: 5, name: 'nginx' };
  // nginx: 4, 4, 4 (warm-up), 5 (within 1.5 deviations: floor 1 -> 1.5), 20 (alert), then silent (0: alert below).
  const batches = [
    logs(...opens(nginx, 0, 4)), logs(...opens(nginx, 1, 4)), logs(...opens(nginx, 2, 4)), logs(...opens(nginx, 3, 5)),
    logs(...opens(nginx, 4, 20)),
    logs(...opens(cat, 5, 1)), // closes window 4 (nginx 20)
    logs(...opens(cat, 6, 1)), // closes window 5 (nginx 0)
  ];
  const { out } = run(rule, batches);
  const alerts = out.filter(isAlertRecord).filter((a) => a.attributes['process.executable.name'] === 'nginx');
  // after 4,4,4,5: mean 4.5, deviation 0.5; 20 is 15.5 away (> 1.5 * max(0.5, 1)): alert.
  // after 20: mean 12.25, deviation 8; 0 is 12.25 away (> 1.5 * 8 = 12): alert.
  t.same(alerts.map((a) => [a.attributes['anomaly.value'], a.attributes['anomaly.baseline'], a.attributes['anomaly.deviation'], a.attributes['anomaly.window.start']]), [
    [20, 4.5, 0.5, new Date(T0 + 4 * 60_000).toISOString()],
    [0, 12.25, 8, new Date(T0 + 5 * 60_000).toISOString()],
  ]);
  const [spike, quiet] = alerts;
  t.equal(spike.attributes['anomaly.window'], 60);
  t.same(spike.time, [Math.floor((T0 + 5 * 60_000) / 1000), 0], 'at the end of the window');
  t.equal(spike.attributes['trigger.event.name'], 'file.open', 'the last event of the key in the window');
  t.equal(quiet.attributes['trigger.event.name'], undefined, 'a quiet window has no event');
  t.equal(quiet.attributes['process.executable.name'], 'nginx', 'but carries the key');
  t.equal(spike.body, 'Open rate: 20 events in 60s, baseline 4.5 (deviation 0.5)');
  t.equal(spike.eventName, 'anomaly.alert');
  // The alert of a window comes right before the event that closed it.
  const i = out.indexOf(spike);
  t.equal(out[i + 1].attributes['process.executable.name'], 'cat');
});

t.test('baseline rule: a long gap resets the baselines instead of replaying empty windows', async (t) => {
  const rule = [{ rule: 'b', condition: 'name == "file.open"', baseline: { over: '1s', warmup: 1 } }];
  const { out, evaluators } = run(rule, [logs(open(cat, '/x', 'read', T0)), logs(open(cat, '/x', 'read', T0 + 1000)), logs(open(cat, '/x', 'read', T0 + 500_000))]);
  t.equal(out.filter(isAlertRecord).length, 0);
  t.equal(evaluators[0].stats.resets, 1);
});

t.test('sequence rule: same process, descendants, order and window', async (t) => {
  const rule = (by: string): unknown[] => [{
    rule: 'Connect then shell', priority: 'warning',
    sequence: { by, within: '10s', steps: ['name == "network.connect"', 'name == "process.exec" && attributes["process.executable.name"] == "sh"'] },
  }];
  const curl: Proc = { pid: 300, name: 'curl', execId: 'curl-1' };
  const connect = (p: Proc, ms: number): LogRecord => securityEvent('network.connect', p, { 'network.peer.address': '203.0.113.9', 'network.peer.port': 443, 'syscall.return_value': 0 }, T0 + ms);
  const shFrom = (parents: Proc[], ms: number, execId: string): LogRecord => securityEvent('process.exec', { pid: 301, name: 'sh', execId, ancestors: parents }, {}, T0 + ms);
  const child = shFrom([curl, { pid: 1, name: 'systemd', execId: 'init' }], 2000, 'sh-1');
  const selfExec = securityEvent('process.exec', { ...curl, name: 'sh' }, {}, T0 + 3000);

  const tree = run(rule('process_tree'), [logs(connect(curl, 0)), logs(child)]);
  const [alert] = tree.out.filter(isAlertRecord);
  t.ok(alert, 'a descendant completes the sequence');
  t.equal(alert.eventName, 'security.alert');
  t.equal(alert.attributes['process.pid'], 301, 'the alert carries the last step');
  t.equal(alert.attributes['anomaly.sequence.origin.exec_id'], 'curl-1');
  t.equal(alert.attributes['anomaly.sequence.origin.pid'], 300);
  t.equal(alert.attributes['anomaly.sequence.first.event.name'], 'network.connect');
  t.equal(alert.attributes['anomaly.sequence.elapsed'], 2);

  t.equal(run(rule('process'), [logs(connect(curl, 0)), logs(child)]).out.filter(isAlertRecord).length, 0, 'by process: a descendant does not count');
  t.equal(run(rule('process'), [logs(connect(curl, 0), selfExec)]).out.filter(isAlertRecord).length, 1, 'by process: the same exec id completes it');
  t.equal(run(rule('process_tree'), [logs(child, connect(curl, 2500))]).out.filter(isAlertRecord).length, 0, 'wrong order');
  t.equal(run(rule('process_tree'), [logs(connect(curl, 0), shFrom([curl], 10_001, 'sh-2'))]).out.filter(isAlertRecord).length, 0, 'outside the window');
  const twice = run(rule('process_tree'), [logs(connect(curl, 0), child, shFrom([curl], 2500, 'sh-3'))]);
  t.equal(twice.out.filter(isAlertRecord).length, 1, 'a completed sequence starts over');
  const noId = securityEvent('network.connect', curl, {}, T0);
  delete noId.attributes['process.exec_id'];
  t.equal(run(rule('process'), [logs(noId)]).evaluators[0].stats.untracked, 1, 'events without an exec id are counted as untracked');
});

t.test('sequence rule: three steps, exception on the last step', async (t) => {
  const rule = [{
    rule: 'Three', sequence: { by: 'process', within: '1m', steps: ['name == "memfd.create"', 'name == "file.open"', 'name == "process.exec"'] },
    exceptions: [{ name: 'trusted', fields: ['process.executable.name'], comps: ['startswith'], values: ['trusted'] }],
  }];
  const p: Proc = { pid: 9, name: 'x', execId: 'x-1' };
  const q: Proc = { pid: 10, name: 'trusted-tool', execId: 'q-1' };
  const steps = (who: Proc): LogRecord[] => [
    securityEvent('memfd.create', who, { 'memfd.name': 'm' }, T0),
    open(who, '/etc/passwd', 'read', T0 + 1),
    securityEvent('process.exec', who, {}, T0 + 2),
  ];
  t.same(run(rule, [logs(...steps(p))]).out.filter(isAlertRecord).map((a) => a.attributes['process.pid']), [9]);
  t.equal(run(rule, [logs(...steps(q))]).out.filter(isAlertRecord).length, 0);
  t.equal(run(rule, [logs(steps(p)[0], steps(p)[2])]).out.filter(isAlertRecord).length, 0, 'a missing middle step');
});

t.test('alerts are passed on, never evaluated', async (t) => {
  const rule = [{ rule: 'everything', condition: 'true' }];
  const first = run(rule, [logs(open(cat, '/a'))]).out;
  t.equal(first.length, 2);
  const second = run(rule, [logs(...first)]).out;
  t.equal(second.length, 3, 'the event raises one alert; the alert raises none');
});
