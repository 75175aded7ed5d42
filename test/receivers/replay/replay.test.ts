import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { compileSchema } from '../../../core/config/ajv';
import { encodeRequest } from '../../../core/otlp-json';
import { ComponentTelemetry } from '../../../core/telemetry';
import type { Batch, MetricRecord } from '../../../core/signals';
import { replayReceiverFactory } from '../../../receivers/replay';
import { ReplayReceiver } from '../../../receivers/replay/receiver';
import type { ReplayReceiverConfig } from '../../../receivers/replay/config';

const fixtures = path.join(__dirname, '..', '..', 'fixtures');

interface LogLine { level: number; msg: string; [key: string]: unknown }

/** Validates `input` with the schema (filling defaults), as the config loader does. */
function configOf(input: Record<string, unknown>): ReplayReceiverConfig {
  const config = structuredClone(input);
  if (!compileSchema(replayReceiverFactory.schema)(config)) throw new Error(`invalid test config ${JSON.stringify(input)}`);
  return config as ReplayReceiverConfig;
}

function setup(input: Record<string, unknown>, configDir = fixtures) {
  const config = configOf(input);
  const logLines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => logLines.push(JSON.parse(s)) });
  const telemetry = new ComponentTelemetry('replay', 'receiver');
  const receiver = new ReplayReceiver(config, { id: 'replay', configDir, logger, telemetry });
  const batches: Batch[] = [];
  let completed = false;
  receiver.batches.subscribe({ next: (b) => batches.push(b), complete: () => (completed = true) });
  const finished = async (): Promise<void> => {
    while (!logLines.some((l) => l.msg.startsWith('replay finished'))) await new Promise((r) => setTimeout(r, 5));
  };
  return { receiver, batches, logLines, telemetry, finished, completed: () => completed };
}

/** A metrics line with one gauge point at `ns` nanoseconds and value `v`. */
function metricsLine(ns: bigint, v: number): string {
  const time: [number, number] = [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  const record: MetricRecord = { resource: { attributes: {} }, scope: { name: 's' }, name: 'g', type: 'gauge', temporality: 'cumulative', valueType: 'int', attributes: {}, startTime: [0, 0], time, value: v };
  return JSON.stringify(encodeRequest({ signal: 'metrics', records: [record] }));
}

t.test('config: defaults and the README example', async (t) => {
  const validate = compileSchema(replayReceiverFactory.schema);
  const minimal: Record<string, unknown> = { path: 'x.jsonl' };
  t.ok(validate(minimal));
  t.strictSame(minimal, { path: 'x.jsonl', pace: 'fast', speed: 1, max_gap: '5s', loop: false, start_delay: '0s', max_batch_size: 8192 });
  t.notOk(validate({}));
  t.notOk(validate({ path: 'x', pace: 'slow' }));
  t.notOk(validate({ path: 'x', speed: 0 }));
  t.notOk(validate({ path: 'x', max_gap: 'soon' }));
  const readme = readFileSync(path.join(__dirname, '../../../receivers/replay/README.md'), 'utf8');
  const config = parseYaml(/```yaml\n([\s\S]*?)```/.exec(readme)![1]).receivers.replay;
  t.ok(validate(config));
  t.strictSame(config, { path: 'recordings/incident.jsonl', pace: 'recorded', speed: 10, max_gap: '2s', start_delay: '500ms', loop: false, max_batch_size: 8192 });
  t.strictSame([replayReceiverFactory.type, replayReceiverFactory.signals], ['replay', ['metrics', 'logs', 'traces']]);
});

t.test('fast: emits every record of sample.jsonl in order, then idles without completing', async (t) => {
  const s = setup({ path: 'replay/sample.jsonl' });
  await s.receiver.start();
  await s.finished();
  t.strictSame(s.batches.map((b) => [b.signal, b.records.length]), [['metrics', 4], ['logs', 2], ['traces', 2], ['metrics', 4]]);
  t.strictSame(
    (s.batches[3].records as MetricRecord[]).map((r) => [r.name, r.attributes, r.value ?? r.histogram?.count]),
    [
      ['syscall.calls', { 'syscall.name': 'read', 'process.executable.name': 'nginx' }, 250],
      ['syscall.calls', { 'syscall.name': 'write', 'process.executable.name': 'nginx' }, 90],
      ['syscall.calls', { 'syscall.name': 'read', 'process.executable.name': 'postgres' }, 610],
      ['syscall.duration', { 'syscall.name': 'read', 'process.executable.name': 'nginx' }, 250],
    ],
  );
  const finished = s.logLines.find((l) => l.msg.startsWith('replay finished'))!;
  t.equal(finished.msg, 'replay finished: 12 records from 4 lines');
  t.equal(s.completed(), false, 'end of file does not complete the stream');
  // Every line re-encodes byte for byte.
  const fileLines = readFileSync(path.join(fixtures, 'replay/sample.jsonl'), 'utf8').trim().split('\n');
  t.strictSame(s.batches.map((b) => JSON.stringify(encodeRequest(b))), fileLines);
  await s.receiver.shutdown();
  t.equal(s.completed(), true, 'shutdown completes batches');
  await s.receiver.shutdown();
});

t.test('max_batch_size splits long lines', async (t) => {
  const s = setup({ path: 'replay/sample.jsonl', max_batch_size: 3 });
  await s.receiver.start();
  await s.finished();
  t.strictSame(s.batches.map((b) => [b.signal, b.records.length]), [['metrics', 3], ['metrics', 1], ['logs', 2], ['traces', 2], ['metrics', 3], ['metrics', 1]]);
  await s.receiver.shutdown();
});

t.test('malformed lines are counted, warned about with the line number, and skipped', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'bad.jsonl');
  writeFileSync(file, [metricsLine(1n, 1), '{"resourceMetrics": [', '', '{"hello":1}', '   ', metricsLine(2n, 2), '[1,2]'].join('\n') + '\n');
  const s = setup({ path: 'bad.jsonl' }, dir);
  await s.receiver.start();
  await s.finished();
  t.strictSame(s.batches.map((b) => (b.records[0] as MetricRecord).value), [1, 2]);
  t.equal(s.receiver.malformed, 3);
  t.equal(s.telemetry.dropped.get('malformed_line'), 3);
  const warnings = s.logLines.filter((l) => l.level === 40);
  t.equal(warnings.length, 1, 'one warning per 100 malformed lines');
  t.match(warnings[0], { line: 2, malformed: 1, msg: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: skipped a malformed line`) });
  t.equal(s.logLines.find((l) => l.msg.startsWith('replay finished'))!.msg, 'replay finished: 2 records from 5 lines');
  await s.receiver.shutdown();
});

t.test('unsupported metric kinds from a Collector file are skipped and counted', async (t) => {
  const s = setup({ path: 'collector-metrics.jsonl' });
  await s.receiver.start();
  await s.finished();
  t.strictSame(s.batches.map((b) => b.records.length), [4, 1]);
  t.equal(s.telemetry.dropped.get('unsupported_metric'), 3);
  t.strictSame(s.logLines.filter((l) => l.level === 40).map((l) => l.kind), ['exponentialHistogram', 'summary']);
  await s.receiver.shutdown();
});

t.test('recorded pace: waits the recorded gaps (divided by speed, capped by max_gap), in order', async (t) => {
  const dir = t.testdir();
  const t0 = 1714564800000000000n;
  // Gaps: 200ms, then 1 hour (capped at 150ms); speed 2 halves the first: 100ms + 150ms.
  writeFileSync(path.join(dir, 'paced.jsonl'), [metricsLine(t0, 1), metricsLine(t0 + 200_000_000n, 2), metricsLine(t0 + 3_600_000_000_000n, 3)].join('\n') + '\n');
  const s = setup({ path: 'paced.jsonl', pace: 'recorded', speed: 2, max_gap: '150ms' }, dir);
  const arrivals: number[] = [];
  s.receiver.batches.subscribe(() => arrivals.push(performance.now()));
  const started = performance.now();
  await s.receiver.start();
  await s.finished();
  t.strictSame(s.batches.map((b) => (b.records[0] as MetricRecord).value), [1, 2, 3]);
  t.ok(arrivals[1] - arrivals[0] >= 95, `second line after >= 100ms (${arrivals[1] - arrivals[0]})`);
  t.ok(arrivals[2] - arrivals[1] >= 145, `third line after >= 150ms (${arrivals[2] - arrivals[1]})`);
  t.ok(arrivals[2] - started >= 245);
  await s.receiver.shutdown();
});

t.test('start_delay holds the first line back; shutdown interrupts a wait and completes', async (t) => {
  const s = setup({ path: 'replay/sample.jsonl', start_delay: '10s' });
  await s.receiver.start();
  await new Promise((r) => setTimeout(r, 50));
  t.equal(s.batches.length, 0);
  const before = performance.now();
  await s.receiver.shutdown();
  t.ok(performance.now() - before < 1000, 'shutdown does not wait for the delay');
  t.equal(s.completed(), true);
  t.equal(s.batches.length, 0);
  await s.receiver.start(); // no-op after shutdown
  t.equal(s.batches.length, 0);
});

t.test('loop: starts over until shutdown', async (t) => {
  const s = setup({ path: 'replay/sample.jsonl', loop: true });
  await s.receiver.start();
  while (s.receiver.records < 36) await new Promise((r) => setTimeout(r, 5));
  await s.receiver.shutdown();
  t.equal(s.completed(), true);
  t.strictSame(s.batches.slice(0, 8).map((b) => b.signal), ['metrics', 'logs', 'traces', 'metrics', 'metrics', 'logs', 'traces', 'metrics']);
  t.equal(s.logLines.some((l) => l.msg.startsWith('replay finished')), false);
  const count = s.batches.length;
  await new Promise((r) => setTimeout(r, 20));
  t.equal(s.batches.length, count, 'nothing after shutdown');
});

t.test('shutdown before start is safe; a missing file fails start clearly', async (t) => {
  const idle = setup({ path: 'replay/sample.jsonl' });
  await idle.receiver.shutdown();
  await idle.receiver.shutdown();
  t.equal(idle.completed(), true);
  const missing = setup({ path: 'nope.jsonl' });
  await t.rejects(missing.receiver.start(), { message: `replay: cannot read ${path.join(fixtures, 'nope.jsonl')}: ENOENT: no such file or directory, access '${path.join(fixtures, 'nope.jsonl')}'` });
  await missing.receiver.shutdown();
});
