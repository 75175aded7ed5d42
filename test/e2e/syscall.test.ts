// The syscall receiver through the CLI: slow-call spans and counts reach a real OTLP server;
// SIGKILL + restart attaches nothing twice; shutdown leaves nothing loaded; a non-root run is refused.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeRequestLine } from '../../core/otlp-json';
import type { MetricRecord, SpanRecord } from '../../core/signals';
import { OtlpTestServer } from '../support/otlp-server';
import { startAgent, writeTemp, eventually, BIN } from '../support/cli';
import { startWorkload } from '../receivers/syscall/harness';

const asRoot = process.getuid?.() === 0;
const skip = asRoot ? false : 'the syscall receiver needs root (CAP_BPF, CAP_PERFMON)';

/** Names of the syscall receiver's programs loaded in the kernel. */
function loadedPrograms(): string[] {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as Array<{ name?: string }>;
  return progs.map((p) => p.name ?? '').filter((n) => /^sc_(btf|raw|tp)_/.test(n)).sort();
}

const started = (l: Record<string, unknown>): boolean => l.msg === 'ebpf-pipeline started';

/** The smallest pipeline with the syscall receiver (defaults: counts, errors, latency). */
const SYSCALL_TO_DEBUG = [
  'receivers:',
  '  syscall: {}',
  'exporters:',
  '  debug: {}',
  'service:',
  '  pipelines:',
  '    metrics: { receivers: [syscall], exporters: [debug] }',
].join('\n');

t.test('slow calls arrive over OTLP as spans with the right attributes; counts as metrics', { skip }, async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const configPath = writeTemp('syscall.yaml', [
    'receivers:',
    '  syscall: { comms: [e2esc], slow_threshold: 10ms, collection_interval: 300ms }',
    'exporters:',
    `  otlp: { endpoint: ${server.address}, tls: { insecure: true } }`,
    'service:',
    '  pipelines:',
    '    traces: { receivers: [syscall], exporters: [otlp] }',
    '    metrics: { receivers: [syscall], exporters: [otlp] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  await agent.waitForLog(started);
  const workload = await startWorkload({ comm: 'e2esc', getppid: 7, sleeps: 3, sleepMs: 20 });
  await workload.go();

  const records = (signal: 'traces' | 'metrics'): unknown[] =>
    server.bodies(signal).flatMap((body) => decodeRequestLine(body).flatMap((b): unknown[] => b.records));
  const spans = await eventually(() => {
    const s = records('traces') as SpanRecord[];
    return s.length >= 3 ? s : undefined;
  }, 15_000, 'three slow-call spans');
  t.equal(spans.length, 3, 'exactly the three 20 ms sleeps were slower than 10 ms');
  for (const span of spans) {
    t.equal(span.name, 'clock_nanosleep');
    t.match(span.attributes, {
      'process.pid': workload.pid, 'thread.id': workload.pid, 'process.executable.name': 'e2esc',
      'syscall.name': 'clock_nanosleep', 'syscall.return_value': 0,
    });
    const durationMs = (span.endTime[0] - span.startTime[0]) * 1e3 + (span.endTime[1] - span.startTime[1]) / 1e6;
    t.ok(durationMs >= 20 && durationMs < 1000, `duration ${durationMs.toFixed(1)} ms`);
    t.equal(span.resource.attributes['service.name'], 'ebpf-pipeline');
  }
  const calls = await eventually(() => {
    const points = (records('metrics') as MetricRecord[]).filter((m) => m.name === 'syscall.calls' && m.attributes['syscall.name'] === 'getppid');
    const last = points.at(-1);
    return last?.value === 7 ? last : undefined;
  }, 15_000, 'syscall.calls{getppid} == 7');
  t.equal(calls.type, 'sum');
  t.equal(calls.unit, '{call}');
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
});

t.test('after SIGKILL and a restart nothing is attached twice; shutdown unloads everything', { skip }, async (t) => {
  const configPath = writeTemp('restart.yaml', SYSCALL_TO_DEBUG);
  // The kernel frees programs shortly after their last fd closes (an earlier test's agent).
  const before = 0;
  await eventually(() => (loadedPrograms().length === 0 ? true : undefined), 5000, 'earlier programs to be freed');
  const first = startAgent(['--config', configPath]);
  t.teardown(() => first.stop('SIGKILL'));
  await first.waitForLog(started);
  t.equal(loadedPrograms().length, before + 2, 'the tp_btf pair');
  t.equal(await first.stop('SIGKILL'), null, 'killed');
  const second = startAgent(['--config', configPath]);
  t.teardown(() => second.stop('SIGKILL'));
  await second.waitForLog(started);
  await eventually(() => (loadedPrograms().length === before + 2 ? true : undefined), 5000, 'the killed run\'s programs to be freed');
  t.equal(loadedPrograms().length, before + 2, 'nothing of the killed run is left attached: one pair in all, not two');
  t.equal(await second.stop('SIGTERM'), 0);
  await eventually(() => (loadedPrograms().length === before ? true : undefined), 5000, 'programs to be unloaded');
  t.pass('no program of ours is left after shutdown');
});

t.test('a run without privileges gets one clear message', { skip: asRoot ? false : 'needs root to switch to an unprivileged user' }, async (t) => {
  const configPath = writeTemp('nobody.yaml', SYSCALL_TO_DEBUG);
  chmodSync(dirname(configPath), 0o755);
  // As user nobody; `env -u NODE_OPTIONS` keeps tap's process-info hook (which writes into the root-owned repo) out.
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS',
    process.execPath, BIN, 'validate', '--config', configPath], { encoding: 'utf8' });
  t.equal(result.status, 2, result.stderr);
  t.match(result.stderr, /receivers\.syscall: receiver "syscall" cannot run here: needs CAP_BPF, CAP_PERFMON \(run as root/);
  t.notMatch(result.stderr, /\n\s+at /);
});
