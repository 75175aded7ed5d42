// The example processor plugin (examples/plugins/redact): its operator as a
// marble test, then the plugin loaded by the real CLI from a config file.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import type { Batch, LogRecord, MetricRecord, Resource, Scope } from '../../core';
import { decodeRequestLine } from '../../core/otlp-json';
import { compileSchema } from '../../core/config/ajv';
import { ROOT, runCli, startAgent } from '../support/cli';
import { factories, redactOperator } from '../../examples/plugins/redact/index.js';

const PLUGIN = join(ROOT, 'examples', 'plugins', 'redact', 'index.js');
const SAMPLE = join(ROOT, 'test', 'fixtures', 'replay', 'sample.jsonl');

const resource: Resource = { attributes: { 'host.name': 'h1' } };
const scope: Scope = { name: 'ebpf-pipeline/security', version: '0.1.0' };

function exec(pid: number, commandLine?: string): LogRecord {
  return {
    resource, scope, time: [1714564812, 0], severityNumber: 9, body: 'exec', eventName: 'process.exec',
    attributes: { 'process.pid': pid, ...(commandLine === undefined ? {} : { 'process.command_line': commandLine }) },
  };
}

function point(value: number, attributes: MetricRecord['attributes']): MetricRecord {
  return {
    resource, scope, name: 'syscall.calls', type: 'sum', monotonic: true, temporality: 'cumulative',
    attributes, startTime: [1714564800, 0], time: [1714564810, 0], value,
  };
}

t.test('the plugin exports one processor factory through the public API', async (t) => {
  t.equal(factories.length, 1);
  t.equal(factories[0].kind, 'processor');
  t.equal(factories[0].type, 'redact');
  t.strictSame(factories[0].signals, ['metrics', 'logs', 'traces']);
});

t.test('redactOperator (marbles)', async (t) => {
  const scheduler = new TestScheduler((actual, expected) => t.strictSame(actual, expected));
  const secret = exec(1, 'curl -u admin:hunter2 http://x');
  const plain = exec(2);
  const other = point(5, { 'syscall.name': 'read' });
  const mixed = point(7, { 'syscall.name': 'read', 'process.command_line': 'psql -W secret' });
  const input: Record<string, Batch> = {
    a: { signal: 'logs', records: [secret, plain] },
    b: { signal: 'metrics', records: [other, mixed] },
    c: { signal: 'logs', records: [] },
  };
  const snapshot = structuredClone(input);
  const seen: Batch[] = [];
  scheduler.run(({ cold, expectObservable }) => {
    const source = cold('a-b--c|', input);
    const redacted = source.pipe(redactOperator({ attributes: ['process.command_line', 'user.password'], replacement: '***' }));
    redacted.subscribe((b) => seen.push(b));
    expectObservable(redacted).toBe('a-b--c|', {
      a: { signal: 'logs', records: [{ ...secret, attributes: { 'process.pid': 1, 'process.command_line': '***' } }, plain] },
      b: { signal: 'metrics', records: [other, { ...mixed, attributes: { 'syscall.name': 'read', 'process.command_line': '***' } }] },
      c: { signal: 'logs', records: [] },
    });
  });
  t.strictSame(input, snapshot, 'the input batches and records are not changed');
  t.equal(seen.length, 3);
  const [logs, metrics] = seen;
  t.not(logs, input.a, 'a new batch');
  t.not(logs.records[0], secret, 'a redacted record is a copy');
  t.equal(logs.records[1], plain, 'an untouched record keeps its identity');
  t.equal(metrics.records[0], other, 'an untouched record keeps its identity');
  t.not(metrics.records[1], mixed);
  t.equal(metrics.records[1].resource, resource, 'the copy shares resource and scope');
  t.equal(metrics.records[1].scope, scope);
});

t.test('the factory: schema defaults, then the operator', async (t) => {
  const [factory] = factories;
  const config: Record<string, unknown> = { attributes: ['process.command_line'] };
  const validate = compileSchema(factory.schema);
  t.ok(validate(config), 'valid');
  t.strictSame(config, { attributes: ['process.command_line'], replacement: '[REDACTED]' }, 'the default replacement is filled in');
  t.notOk(validate({ attributes: [] }), 'at least one key');
  t.notOk(validate({ attributes: 5 }));
  t.notOk(validate({}), 'attributes is required');
  const { operator } = factory.create(config as { attributes: string[]; replacement: string }, undefined as never);
  const scheduler = new TestScheduler((actual, expected) => t.strictSame(actual, expected));
  scheduler.run(({ hot, expectObservable }) => {
    const source = hot('--a--|', { a: { signal: 'logs', records: [exec(1, 'x')] } as Batch });
    expectObservable(source.pipe(operator)).toBe('--a--|', {
      a: { signal: 'logs', records: [{ ...exec(1), attributes: { 'process.pid': 1, 'process.command_line': '[REDACTED]' } }] },
    });
  });
});

/** Writes `pipeline.yaml` (and any other files) to a fresh test dir and returns its path. */
function configFile(t: Test, yaml: string[], files: Record<string, string> = {}): string {
  const dir = t.testdir({ 'pipeline.yaml': yaml.join('\n') + '\n', ...files });
  return join(dir, 'pipeline.yaml');
}

function redactConfig(plugin: string, redact: string, out: string): string[] {
  return [
    `plugins: [${plugin}]`,
    'receivers:',
    `  replay: { path: ${SAMPLE} }`,
    'processors:',
    `  redact: ${redact}`,
    'exporters:',
    `  file: { path: ${out} }`,
    'service:',
    '  pipelines:',
    '    logs: { receivers: [replay], processors: [redact], exporters: [file] }',
    '    traces: { receivers: [replay], processors: [redact], exporters: [file] }',
  ];
}

t.test('the CLI loads the plugin and redacts the command line', async (t) => {
  const dir = t.testdir({});
  const out = join(dir, 'out.jsonl');
  const config = join(dir, 'pipeline.yaml');
  writeFileSync(config, redactConfig(PLUGIN, '{ attributes: [process.command_line] }', out).join('\n') + '\n');
  const agent = startAgent(['--config', config]);
  t.teardown(() => agent.stop('SIGKILL'));
  const finished = await agent.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('replay finished:'));
  t.equal(finished.msg, 'replay finished: 12 records from 4 lines');
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());

  const batches = readFileSync(out, 'utf8').trim().split('\n').flatMap((line) => decodeRequestLine(JSON.parse(line)));
  t.strictSame(batches.map((b) => [b.signal, b.records.length]), [['logs', 2], ['traces', 2]]);
  const [logs, traces] = batches;
  const expected = decodeRequestLine(JSON.parse(readFileSync(SAMPLE, 'utf8').split('\n')[1]));
  t.strictSame(expected.map((b) => b.signal), ['logs']);
  const [execRecord, alert] = expected[0].records as LogRecord[];
  t.equal(execRecord.attributes['process.command_line'], 'curl -s http://example.com', 'the fixture has a command line');
  t.strictSame(logs.records, [
    { ...execRecord, attributes: { ...execRecord.attributes, 'process.command_line': '[REDACTED]' } },
    alert,
  ], 'only the command line changed; everything else is as recorded');
  const recordedSpans = decodeRequestLine(JSON.parse(readFileSync(SAMPLE, 'utf8').split('\n')[2]));
  t.strictSame(traces.records, recordedSpans[0].records, 'spans without the attribute pass unchanged');
});

t.test('a plugin module without factories: exit 2, one line naming plugins[0]', async (t) => {
  const config = configFile(t, [
    'plugins: [./nothing.js]',
    'receivers:',
    `  replay: { path: ${SAMPLE} }`,
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    logs: { receivers: [replay], exporters: [debug] }',
  ], { 'nothing.js': 'module.exports = { processors: [] };\n' });
  const result = await runCli(['--config', config]);
  t.equal(result.code, 2);
  const lines = result.stderr.trim().split('\n');
  t.equal(lines.length, 1, result.stderr);
  t.match(lines[0], `ebpf-pipeline: ${config}:1:11: plugins[0]: cannot load plugin "./nothing.js": `);
  t.match(lines[0], /exports no "factories" array/);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

t.test('a plugin module that throws while loading: exit 2 naming plugins[0]', async (t) => {
  const config = configFile(t, redactConfig('./broken.js', '{ attributes: [process.command_line] }', '/dev/null'), {
    'broken.js': 'throw new Error("boom at load");\n',
  });
  const result = await runCli(['--config', config]);
  t.equal(result.code, 2);
  const dir = dirname(config);
  t.strictSame(result.stderr.trim().split('\n'), [
    `ebpf-pipeline: ${config}:1:11: plugins[0]: cannot load plugin "./broken.js": boom at load; check the module at ${join(dir, 'broken.js')} exports component factories`,
    // The config loader goes on and reports what the missing plugin would have provided.
    `${config}:5:3: processors.redact: unknown processor type "redact"; known processor types: anomaly, attributes, batch, filter`,
  ]);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

t.test("a wrong value in the plugin's processor config: exit 2 with file:line", async (t) => {
  const config = configFile(t, redactConfig(PLUGIN, '{ attributes: 5 }', '/dev/null'));
  const result = await runCli(['--config', config]);
  t.equal(result.code, 2);
  t.equal(result.stderr, `ebpf-pipeline: ${config}:5:25: processors.redact.attributes: must be a list, got number 5\n`);

  const unknownKey = configFile(t, redactConfig(PLUGIN, '{ attributes: [a], replace: x }', '/dev/null'));
  const second = await runCli(['validate', '--config', unknownKey]);
  t.equal(second.code, 2);
  t.equal(second.stderr, `ebpf-pipeline: ${unknownKey}:5:30: processors.redact.replace: unknown key "replace"; allowed keys: attributes, replacement\n`);
});
