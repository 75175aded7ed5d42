import t from 'tap';
import { readFileSync, readdirSync, readlinkSync, statSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileSchema } from '../../../core/config/ajv';
import { silentLogger } from '../../../core/logger';
import { encodeRequest } from '../../../core/otlp-json';
import type { Batch, MetricRecord } from '../../../core/signals';
import { fileExporterFactory } from '../../../exporters/file';
import { FileExporter } from '../../../exporters/file/exporter';
import type { FileExporterConfig } from '../../../exporters/file/config';

const resource = { attributes: { 'host.name': 'h' } };
const scope = { name: 'test' };
function batch(value: number): Batch {
  const record: MetricRecord = {
    resource, scope, name: 'syscall.calls', type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int',
    attributes: { 'syscall.name': 'read' }, startTime: [1714564800, 0], time: [1714564810, 5], value,
  };
  return { signal: 'metrics', records: [record] };
}
const lineOf = (b: Batch): string => `${JSON.stringify(encodeRequest(b))}\n`;

/** Validates `input` with the schema (filling defaults), as the config loader does. */
function configOf(input: Record<string, unknown>): FileExporterConfig {
  const config = structuredClone(input);
  if (!compileSchema(fileExporterFactory.schema)(config)) throw new Error(`invalid test config ${JSON.stringify(input)}`);
  return config as FileExporterConfig;
}
function make(input: Record<string, unknown>, configDir: string): FileExporter {
  return new FileExporter(configOf(input), { id: 'file/test', configDir, logger: silentLogger() });
}
/** The file descriptors of this process that point at `file`. */
function openFds(file: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

t.test('config: defaults and the README example', async (t) => {
  const validate = compileSchema(fileExporterFactory.schema);
  const minimal: Record<string, unknown> = { path: 'out.jsonl' };
  t.ok(validate(minimal));
  t.strictSame(minimal, { path: 'out.jsonl', format: 'json', rotation: { max_megabytes: 100, max_backups: 3 } });
  t.notOk(validate({}), 'path is required');
  t.notOk(validate({ path: 'x', format: 'proto' }));
  t.notOk(validate({ path: 'x', rotation: { max_megabytes: 0 } }));
  t.notOk(validate({ path: 'x', colour: 1 }));
  const readme = readFileSync(path.join(__dirname, '../../../exporters/file/README.md'), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)![1];
  const config = parseYaml(yaml).exporters['file/archive'];
  t.ok(validate(config));
  t.strictSame(config, { path: 'data/telemetry.jsonl', format: 'json', rotation: { max_megabytes: 50, max_backups: 5 } });
  t.equal(fileExporterFactory.type, 'file');
  t.strictSame(fileExporterFactory.signals, ['metrics', 'logs', 'traces']);
});

t.test('writes one OTLP/JSON request per line, relative to configDir, creating directories', async (t) => {
  const dir = t.testdir();
  const exporter = make({ path: 'sub/dir/out.jsonl' }, dir);
  const file = path.join(dir, 'sub/dir/out.jsonl');
  t.equal(exporter.file, file);
  await exporter.start();
  t.strictSame(await exporter.export(batch(1)), { ok: true });
  const logs: Batch = { signal: 'logs', records: [{ resource, scope, time: [1, 2], attributes: {}, body: 'hello', eventName: 'e' }] };
  t.strictSame(await exporter.export(logs), { ok: true });
  // Visible to readers as soon as export() resolved, before shutdown.
  t.equal(readFileSync(file, 'utf8'), lineOf(batch(1)) + lineOf(logs));
  t.equal(
    readFileSync(file, 'utf8').split('\n')[1],
    '{"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"h"}}]},"scopeLogs":[{"scope":{"name":"test"},"logRecords":[{"timeUnixNano":"1000000002","body":{"stringValue":"hello"},"eventName":"e"}]}]}]}',
  );
  await exporter.shutdown();
});

t.test('appends to an existing file and counts its size for rotation', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'out.jsonl');
  const line = lineOf(batch(1));
  writeFileSync(file, line);
  const exporter = make({ path: file, rotation: { max_megabytes: (line.length * 2.5) / 1048576, max_backups: 1 } }, '/nonexistent');
  await exporter.start();
  await exporter.export(batch(2)); // 2 lines fit
  await exporter.export(batch(3)); // would make 3: rotate
  await exporter.shutdown();
  t.equal(readFileSync(`${file}.1`, 'utf8'), line + lineOf(batch(2)));
  t.equal(readFileSync(file, 'utf8'), lineOf(batch(3)));
});

t.test('rotation: path -> path.1 -> path.2, oldest deleted, exact names and sizes', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'metrics.jsonl');
  const L = lineOf(batch(1)).length; // every batch(1..9) line has this length
  const exporter = make({ path: 'metrics.jsonl', rotation: { max_megabytes: (L * 2.5) / 1048576, max_backups: 2 } }, dir);
  await exporter.start();
  for (let v = 1; v <= 7; v++) t.strictSame(await exporter.export(batch(v)), { ok: true });
  await exporter.shutdown();
  t.strictSame(readdirSync(dir).sort(), ['metrics.jsonl', 'metrics.jsonl.1', 'metrics.jsonl.2']);
  t.equal(statSync(file).size, L);
  t.equal(statSync(`${file}.1`).size, 2 * L);
  t.equal(statSync(`${file}.2`).size, 2 * L);
  t.equal(readFileSync(file, 'utf8'), lineOf(batch(7)));
  t.equal(readFileSync(`${file}.1`, 'utf8'), lineOf(batch(5)) + lineOf(batch(6)));
  t.equal(readFileSync(`${file}.2`, 'utf8'), lineOf(batch(3)) + lineOf(batch(4)));
});

t.test('rotation with max_backups 0 keeps no backup; an oversized line is written alone', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'm.jsonl');
  const L = lineOf(batch(1)).length;
  const exporter = make({ path: file, rotation: { max_megabytes: (L * 1.5) / 1048576, max_backups: 0 } }, dir);
  await exporter.start();
  await exporter.export(batch(1));
  await exporter.export(batch(2));
  const big: Batch = { signal: 'metrics', records: [...batch(3).records, ...batch(4).records] as MetricRecord[] };
  await exporter.export(big);
  t.strictSame(readdirSync(dir), ['m.jsonl']);
  t.equal(readFileSync(file, 'utf8'), lineOf(big));
  await exporter.export(batch(5));
  t.equal(readFileSync(file, 'utf8'), lineOf(batch(5)));
  await exporter.shutdown();
});

t.test('concurrent exports never interleave and keep their order', async (t) => {
  const dir = t.testdir();
  const exporter = make({ path: 'c.jsonl' }, dir);
  await exporter.start();
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => exporter.export(batch(i))));
  t.ok(results.every((r) => r.ok));
  await exporter.shutdown();
  t.equal(readFileSync(path.join(dir, 'c.jsonl'), 'utf8'), Array.from({ length: 50 }, (_, i) => lineOf(batch(i))).join(''));
});

t.test('shutdown waits for writes and closes the file; safe before start and twice', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 's.jsonl');
  const never = make({ path: file }, dir);
  await never.shutdown();
  await never.shutdown();
  t.notOk(existsSync(file), 'nothing created without start');

  const exporter = make({ path: file }, dir);
  await exporter.start();
  t.equal(openFds(file).length, 1);
  const pending = exporter.export(batch(1));
  await exporter.shutdown();
  t.strictSame(await pending, { ok: true });
  t.equal(openFds(file).length, 0, 'file closed');
  t.equal(readFileSync(file, 'utf8'), lineOf(batch(1)));
  const after = await exporter.export(batch(2));
  t.equal(after.ok, false);
  t.match(after, { retryable: false, error: { message: 'file/test: exporter is shut down' } });
  await exporter.shutdown();
});

t.test('a failed write is a non-retryable error; a bad path fails start', async (t) => {
  const full = make({ path: '/dev/full' }, '/');
  await full.start();
  const result = await full.export(batch(1));
  t.match(result, { ok: false, retryable: false, error: { message: /^file\/test: writing \/dev\/full failed: .*ENOSPC/ } });
  await full.shutdown();

  const dir = t.testdir();
  const bad = make({ path: dir }, '/');
  await t.rejects(bad.start(), { message: new RegExp(`^file/test: cannot open ${dir} for writing: EISDIR`) });
  await bad.shutdown();
});
