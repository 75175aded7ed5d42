// SIGTERM flushes what was received; SIGHUP reloads (or keeps running on a bad config).
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startAgent, writeTemp, ROOT } from '../support/cli';

const SAMPLE = join(ROOT, 'test/fixtures/replay/sample.jsonl');

/** replay -> batch (holds everything for an hour) -> file, for all three signals. */
function config(out: string, extra = ''): string {
  return [
    'receivers:',
    `  replay: { path: ${SAMPLE} }`,
    'processors:',
    '  batch: { timeout: 1h, send_batch_size: 100000 }',
    'exporters:',
    `  file: { path: ${out} }`,
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [replay], processors: [batch], exporters: [file] }',
    '    logs: { receivers: [replay], processors: [batch], exporters: [file] }',
    '    traces: { receivers: [replay], processors: [batch], exporters: [file] }',
    extra,
  ].join('\n');
}

/** Counts records per signal in an OTLP/JSON lines file. */
function countRecords(path: string): Record<string, number> {
  const counts: Record<string, number> = { metrics: 0, logs: 0, traces: 0 };
  if (!existsSync(path)) return counts;
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    const request = JSON.parse(line) as Record<string, Array<Record<string, Array<Record<string, unknown[]>>>>>;
    for (const rm of request.resourceMetrics ?? []) for (const sm of rm.scopeMetrics) for (const m of sm.metrics as Array<Record<string, { dataPoints: unknown[] }>>) {
      counts.metrics += Object.values(m).find((v) => typeof v === 'object' && v && 'dataPoints' in v)?.dataPoints.length ?? 0;
    }
    for (const rl of request.resourceLogs ?? []) for (const sl of rl.scopeLogs) counts.logs += sl.logRecords.length;
    for (const rs of request.resourceSpans ?? []) for (const ss of rs.scopeSpans) counts.traces += ss.spans.length;
  }
  return counts;
}

const ALL = { metrics: 8, logs: 2, traces: 2 };
const finished = (l: Record<string, unknown>): boolean => typeof l.msg === 'string' && l.msg.startsWith('replay finished');

t.test('SIGTERM flushes the batches held by processors, then exits 0', async (t) => {
  const configPath = writeTemp('flush.yaml', '');
  const out = join(dirname(configPath), 'out.jsonl');
  writeFileSync(configPath, config(out));
  const agent = startAgent(['--config', configPath]);
  await agent.waitForLog(finished);
  t.same(countRecords(out), { metrics: 0, logs: 0, traces: 0 }, 'nothing exported yet: the batch processor holds it');
  const code = await agent.stop('SIGTERM');
  t.equal(code, 0, agent.stderr());
  t.same(countRecords(out), ALL, 'every replayed record reached the file');
  t.ok(agent.logs().some((l) => l.msg === 'shutdown complete'));
});

t.test('SIGHUP: a bad config keeps the pipelines running; a good one swaps them without losing data', async (t) => {
  const configPath = writeTemp('reload.yaml', '');
  const dir = dirname(configPath);
  const first = join(dir, 'first.jsonl');
  const second = join(dir, 'second.jsonl');
  writeFileSync(configPath, config(first));
  const agent = startAgent(['--config', configPath]);
  await agent.waitForLog(finished);

  writeFileSync(configPath, config(first).replace('send_batch_size', 'send_batch_sise'));
  agent.child.kill('SIGHUP');
  const failure = await agent.waitForLog((l) => l.msg === 'reload failed; the running pipelines keep going');
  t.match(String(failure.err), /reload\.yaml:4:\d+: processors\.batch\.send_batch_sise: unknown key/);
  t.equal(agent.child.exitCode, null, 'still running');
  t.same(countRecords(first), { metrics: 0, logs: 0, traces: 0 });

  writeFileSync(configPath, config(second));
  agent.child.kill('SIGHUP');
  await agent.waitForLog((l) => finished(l) && agent.logs().filter(finished).length === 2);
  t.same(countRecords(first), ALL, 'the old pipelines flushed everything they held');
  t.equal(await agent.stop('SIGTERM'), 0);
  t.same(countRecords(second), ALL, 'the new pipelines replayed and flushed at shutdown');
});
