// The CLI as a user runs it: bad input gets one clear message and exit 2, never a stack trace.
import t from 'tap';
import type { Test } from 'tap';
import { runCli, writeTemp } from '../support/cli';

function assertOneCleanError(t: Test, result: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  t.equal(result.code, code, `exit code ${code}`);
  t.match(result.stderr, pattern);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

t.test('--help, --version', async (t) => {
  const help = await runCli(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: ebpf-pipeline \[run\] --config FILE/);
  const version = await runCli(['--version']);
  t.equal(version.code, 0);
  t.match(version.stdout, /^ebpf-pipeline \d+\.\d+\.\d+\n$/);
});

t.test('bad flags', async (t) => {
  assertOneCleanError(t, await runCli(['--confgi', 'x.yaml']), 2, /^ebpf-pipeline: Unknown option '--confgi'.*see ebpf-pipeline --help\n$/);
  assertOneCleanError(t, await runCli([]), 2, /^ebpf-pipeline: --config FILE is required/);
  assertOneCleanError(t, await runCli(['explode', '--config', 'x']), 2, /^ebpf-pipeline: unknown command "explode"; commands: run, validate, check, profile\n$/);
  assertOneCleanError(t, await runCli(['--config', 'x', '--log-level', 'loud']), 2, /^ebpf-pipeline: invalid --log-level "loud"/);
});

t.test('unreadable or missing config file', async (t) => {
  const result = await runCli(['--config', '/nonexistent/pipeline.yaml']);
  assertOneCleanError(t, result, 2, /^ebpf-pipeline: .*\/nonexistent\/pipeline\.yaml.*cannot read config file.*ENOENT/);
});

t.test('bad YAML and bad values name the file, line and YAML path', async (t) => {
  const syntax = writeTemp('bad.yaml', 'receivers:\n  replay: {path: [unclosed\n');
  assertOneCleanError(t, await runCli(['validate', '--config', syntax]), 2, /bad\.yaml:\d+:\d+: /);

  const typo = writeTemp('typo.yaml', [
    'receivers:',
    '  selftelemetry:',
    '    colection_interval: 1s',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [selftelemetry], exporters: [debug] }',
    '',
  ].join('\n'));
  const result = await runCli(['validate', '--config', typo]);
  assertOneCleanError(t, result, 2,
    /typo\.yaml:3:5: receivers\.selftelemetry\.colection_interval: unknown key "colection_interval"; did you mean "collection_interval"\?/);

  const unknown = writeTemp('unknown.yaml', 'receivers:\n  sycall: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    metrics: { receivers: [sycall], exporters: [debug] }\n');
  assertOneCleanError(t, await runCli(['--config', unknown]), 2, /unknown\.yaml:2:3: receivers\.sycall: unknown receiver type "sycall"; did you mean "syscall"\? known receiver types: alloc, blockio, packet, perf, replay, security, selftelemetry, syscall, tcp\n$/);
});

t.test('validate prints the resolved graph with defaults', async (t) => {
  const path = writeTemp('ok.yaml', [
    'receivers:',
    '  selftelemetry: {}',
    'processors:',
    '  batch: {}',
    'exporters:',
    '  debug: {}',
    '  file/unused: { path: out.jsonl }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [selftelemetry], processors: [batch], exporters: [debug] }',
    '',
  ].join('\n'));
  const result = await runCli(['validate', '--config', path]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, 'metrics: receivers [selftelemetry] -> processors [batch] -> exporters [debug]');
  t.match(result.stdout, 'selftelemetry: {"collection_interval":"10s"}');
  t.match(result.stdout, /batch: \{"send_batch_size":8192,"timeout":"200ms","send_batch_max_size":0\}/);
  t.match(result.stderr, /warning: .*ok\.yaml:7:3: .*file\/unused/);
});

t.test('a valid config that cannot start exits 1 with one message', async (t) => {
  const path = writeTemp('dir.yaml', [
    'receivers:',
    '  selftelemetry: {}',
    'exporters:',
    '  file: { path: /proc/no-such-dir/out.jsonl }',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [selftelemetry], exporters: [file] }',
    '',
  ].join('\n'));
  const result = await runCli(['--config', path, '--log-level', 'silent']);
  assertOneCleanError(t, result, 1, /^ebpf-pipeline: file: cannot start: cannot open \/proc\/no-such-dir\/out.jsonl for writing: ENOENT/);
});
