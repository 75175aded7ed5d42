// The CLI replays a recording into a real OTLP gRPC server (decoded with the official protos):
// the content matches the input exactly; with the backend down for 5 s, nothing within the
// queue bound is lost and the counters account for the rest.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeRequestLine, encodeRequest } from '../../core/otlp-json';
import type { Batch, LogRecord } from '../../core/signals';
import { OtlpTestServer } from '../support/otlp-server';
import { startAgent, writeTemp, freePort, eventually, ROOT } from '../support/cli';

const SAMPLE = join(ROOT, 'test/fixtures/replay/sample.jsonl');

/** Records per signal, decoded from OTLP/JSON-shaped objects. */
function recordsBySignal(requests: unknown[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = { metrics: [], logs: [], traces: [] };
  for (const request of requests) for (const batch of decodeRequestLine(request)) out[batch.signal].push(...batch.records);
  return out;
}

/** The 0.57 protos in the test server predate LogRecord.event_name: compare it separately. */
function withoutEventNames(records: unknown[]): unknown[] {
  return records.map((r) => ({ ...(r as LogRecord), eventName: undefined }));
}

t.test('metrics, logs and spans arrive exactly as recorded', async (t) => {
  const server = await OtlpTestServer.start();
  t.teardown(() => server.close());
  const configPath = writeTemp('otlp.yaml', [
    'receivers:',
    `  replay: { path: ${SAMPLE} }`,
    'exporters:',
    `  otlp: { endpoint: ${server.address}, tls: { insecure: true } }`,
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [replay], exporters: [otlp] }',
    '    logs: { receivers: [replay], exporters: [otlp] }',
    '    traces: { receivers: [replay], exporters: [otlp] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  await server.waitFor(4);
  t.equal(await agent.stop('SIGTERM'), 0, agent.stderr());

  const expected = recordsBySignal(readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const received = recordsBySignal(server.requests.map((r) => r.body));
  t.same(received.metrics, expected.metrics, '8 metric points: sums and histograms, exact values and times');
  t.same(received.traces, expected.traces, '2 spans: ids, times, attributes, status');
  t.same(withoutEventNames(received.logs), withoutEventNames(expected.logs), '2 log records');
  t.equal(expected.metrics.length + expected.logs.length + expected.traces.length, 12);
  const logRequest = server.requests.find((r) => r.signal === 'logs');
  for (const name of ['process.exec', 'security.alert']) t.ok(logRequest?.raw.includes(Buffer.from(name)), `event name ${name} sent`);
});

/** Writes `lines` OTLP/JSON lines of `perLine` log records each. */
function writeLogRecording(path: string, lines: number, perLine: number): void {
  const resource = { attributes: { 'service.name': 'load' } };
  const scope = { name: 'load' };
  const text: string[] = [];
  for (let l = 0; l < lines; l++) {
    const records: LogRecord[] = Array.from({ length: perLine }, (_, i) => ({
      resource, scope, time: [1714564800 + l, i], attributes: { seq: l * perLine + i }, body: `record ${l * perLine + i}`,
    }));
    text.push(JSON.stringify(encodeRequest({ signal: 'logs', records } as Batch)));
  }
  writeFileSync(path, text.join('\n') + '\n');
}

/** Reads `ebpf_pipeline_*` samples of one component from a Prometheus text page. */
function selfCounters(page: string, componentId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of page.split('\n')) {
    const m = /^ebpf_pipeline_(\w+?)(?:_total)?\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !m[2].includes(`component_id="${componentId}"`)) continue;
    const reason = /reason="([^"]+)"/.exec(m[2]);
    out[reason ? `${m[1]}:${reason[1]}` : m[1]] = Number(m[3]);
  }
  return out;
}

t.test('backend down for 5 s: what fits the queue is delivered, the rest is counted as dropped', async (t) => {
  const otlpPort = await freePort();
  const promPort = await freePort();
  const configPath = writeTemp('outage.yaml', '');
  const recording = join(dirname(configPath), 'load.jsonl');
  writeLogRecording(recording, 50, 10);
  writeFileSync(configPath, [
    'receivers:',
    `  replay: { path: ${recording} }`,
    '  selftelemetry: { collection_interval: 200ms }',
    'exporters:',
    `  otlp:`,
    `    endpoint: 127.0.0.1:${otlpPort}`,
    '    tls: { insecure: true }',
    '    timeout: 1s',
    '    sending_queue: { queue_size: 200 }',
    '    retry_on_failure: { initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0 }',
    `  prometheus: { endpoint: 127.0.0.1:${promPort} }`,
    'service:',
    '  pipelines:',
    '    logs: { receivers: [replay], exporters: [otlp] }',
    '    metrics: { receivers: [selftelemetry], exporters: [prometheus] }',
  ].join('\n'));
  const agent = startAgent(['--config', configPath]);
  t.teardown(() => agent.stop('SIGKILL'));
  const scrape = async (): Promise<Record<string, number>> => {
    try {
      return selfCounters(await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text(), 'otlp');
    } catch {
      return {}; // not listening yet
    }
  };

  const during = await eventually(async () => {
    const c = await scrape();
    return c.component_received === 500 && c.queue_size === 200 ? c : undefined;
  }, 15_000, 'the replay to fill the queue');
  t.same(during, {
    component_received: 500, component_sent: 0, component_refused: 0, 'component_dropped:queue_full': 300, queue_size: 200, queue_capacity: 200,
  }, 'backend down: 200 records held, 300 over the bound counted as queue_full');

  await new Promise((r) => setTimeout(r, 5000));
  const server = await OtlpTestServer.start(otlpPort);
  t.teardown(() => server.close());

  const after = await eventually(async () => {
    const c = await scrape();
    return c.component_sent === 200 && c.queue_size === 0 ? c : undefined;
  }, 15_000, 'the queue to drain');
  t.same(after, {
    component_received: 500, component_sent: 200, component_refused: 0, 'component_dropped:queue_full': 300, queue_size: 0, queue_capacity: 200,
  }, 'received == sent + dropped + queued');
  const delivered = server.requests.flatMap((r) => recordsBySignal([r.body]).logs as LogRecord[]).map((r) => r.attributes.seq);
  t.same(delivered, Array.from({ length: 200 }, (_, i) => i), 'exactly the first 200 records, in order, each once');
  t.equal(await agent.stop('SIGTERM'), 0);
});
