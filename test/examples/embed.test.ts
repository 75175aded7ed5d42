// The embedding API (README "Embedding", examples/embed): a collector inside an
// application that has its own OpenTelemetry SDK providers. The replayed
// recording must reach the application's in-memory exporters exactly.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { createCollector } from '../../core';
import type { Collector } from '../../core';
import { HOST_EXPORTER_ID } from '../../core/engine/collector';
import { ROOT, eventually } from '../support/cli';

const SAMPLE = join(ROOT, 'test', 'fixtures', 'replay', 'sample.jsonl');
/** Records in the sample: 8 metric points (2 lines of 3 sums + 1 histogram), 2 log records, 2 spans. */
const SAMPLE_RECORDS = 12;

/** A reader the test drives by hand. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function hostSdk() {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const reader = new ManualReader();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const shutdown = async (): Promise<void> => {
    await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);
  };
  return { spans, logs, reader, tracerProvider, loggerProvider, meterProvider, shutdown };
}

function replayConfig(out: string): Record<string, unknown> {
  return {
    receivers: { replay: { path: SAMPLE } },
    exporters: { file: { path: out } },
    service: {
      pipelines: {
        metrics: { receivers: ['replay'], exporters: ['file'] },
        logs: { receivers: ['replay'], exporters: ['file'] },
        traces: { receivers: ['replay'], exporters: ['file'] },
      },
    },
  };
}

function exporterCounters(collector: Collector, id: string) {
  return collector.counters.all().find((c) => c.kind === 'exporter' && c.id === id);
}

/** Waits until an exporter has delivered `n` records. */
async function delivered(collector: Collector, id: string, n: number): Promise<void> {
  await eventually(() => ((exporterCounters(collector, id)?.sent ?? 0) >= n ? true : undefined), 15_000, `${id} to send ${n} records`);
}

/** `[seconds, nanos]` from OTLP nanoseconds. */
function hr(nanos: string): [number, number] {
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

t.test('replayed data reaches the host providers exactly', async (t) => {
  const sdk = hostSdk();
  t.teardown(sdk.shutdown);
  const out = join(t.testdir({}), 'out.jsonl');
  const { tracerProvider, loggerProvider, meterProvider } = sdk;
  const collector = createCollector({ config: replayConfig(out), tracerProvider, loggerProvider, meterProvider });
  await collector.start();
  t.teardown(() => collector.stop());
  t.strictSame(collector.config?.pipelines.map((p) => [p.id, p.exporters]), [
    ['metrics', ['file', HOST_EXPORTER_ID]],
    ['logs', ['file', HOST_EXPORTER_ID]],
    ['traces', ['file', HOST_EXPORTER_ID]],
  ], 'otel_api is added to every pipeline whose signal has a provider');
  await delivered(collector, HOST_EXPORTER_ID, SAMPLE_RECORDS);
  await delivered(collector, 'file', SAMPLE_RECORDS);
  const counters = exporterCounters(collector, HOST_EXPORTER_ID);
  t.equal(counters?.received, SAMPLE_RECORDS);
  t.equal(counters?.sent, SAMPLE_RECORDS);
  t.equal(counters?.droppedTotal(), 0);

  // Traces: same names, kinds (OTLP CLIENT/INTERNAL -> API 2/0), times, attributes and status.
  // Root spans get new ids from the host SDK (the API cannot set them).
  const spans = sdk.spans.getFinishedSpans();
  t.strictSame(spans.map((s) => ({
    name: s.name, kind: s.kind, startTime: s.startTime, endTime: s.endTime, attributes: s.attributes, status: s.status,
    scope: [s.instrumentationScope.name, s.instrumentationScope.version], events: s.events, parent: s.parentSpanContext,
  })), [
    {
      name: 'tcp.connection', kind: 2, startTime: hr('1714564813000000000'), endTime: hr('1714564813250000000'),
      attributes: {
        'network.peer.address': '10.0.0.5', 'network.peer.port': 5432, 'network.transport': 'tcp',
        'process.executable.name': 'nginx', 'network.io.sent': 1024, 'network.io.received': 4096,
      },
      status: { code: 0 }, scope: ['ebpf-pipeline/tcp', '0.1.0'], events: [], parent: undefined,
    },
    {
      name: 'syscall.slow', kind: 0, startTime: hr('1714564815000000000'), endTime: hr('1714564815120000000'),
      attributes: { 'syscall.name': 'fsync', 'process.executable.name': 'postgres', 'process.pid': 777 },
      status: { code: 2, message: 'slow syscall: 120ms' }, scope: ['ebpf-pipeline/syscall', '0.1.0'], events: [], parent: undefined,
    },
  ]);
  t.not(spans[0].spanContext().traceId, '5b8efff798038103d269b633813fc60c', 'a root span gets a new trace id');
  t.not(spans[1].spanContext().spanId, '00f067aa0ba902b7', 'and a new span id');

  // Logs: everything the API carries, event name included.
  const logs = sdk.logs.getFinishedLogRecords();
  t.strictSame(logs.map((l) => ({
    time: l.hrTime, observed: l.hrTimeObserved, severityNumber: l.severityNumber, severityText: l.severityText, body: l.body,
    attributes: l.attributes, eventName: l.eventName, scope: [l.instrumentationScope.name, l.instrumentationScope.version], context: l.spanContext,
  })), [
    {
      time: hr('1714564812000000000'), observed: hr('1714564812000001000'), severityNumber: 9, severityText: 'INFO', body: 'exec /usr/bin/curl',
      attributes: { 'process.pid': 4242, 'process.executable.name': 'curl', 'process.command_line': 'curl -s http://example.com' },
      eventName: 'process.exec', scope: ['ebpf-pipeline/security', '0.1.0'], context: undefined,
    },
    {
      time: hr('1714564812500000000'), observed: hr('1714564812500001000'), severityNumber: 17, severityText: 'ERROR', body: 'write to /etc/passwd by nginx',
      attributes: { 'process.pid': 1234, 'process.executable.name': 'nginx', 'file.path': '/etc/passwd', 'security.rule': 'sensitive_file_write' },
      eventName: 'security.alert', scope: ['ebpf-pipeline/security', '0.1.0'], context: undefined,
    },
  ]);

  // Metrics: the cumulative sum's last values through an observable counter; the
  // histogram as <name>.count and <name>.sum counters (histograms: count_sum).
  const { resourceMetrics, errors } = await sdk.reader.collect();
  t.strictSame(errors, []);
  t.strictSame(resourceMetrics.scopeMetrics.map((sm) => [sm.scope.name, sm.scope.version]), [['ebpf-pipeline/syscall', '0.1.0']]);
  const summary = (m: MetricData) => ({
    name: m.descriptor.name,
    unit: m.descriptor.unit,
    description: m.descriptor.description,
    temporality: m.aggregationTemporality,
    pointType: m.dataPointType,
    monotonic: 'isMonotonic' in m ? m.isMonotonic : undefined,
    points: m.dataPoints.map((p) => [p.attributes, p.value]),
  });
  const nginxRead = { 'syscall.name': 'read', 'process.executable.name': 'nginx' };
  t.strictSame(resourceMetrics.scopeMetrics[0].metrics.map(summary), [
    {
      name: 'syscall.calls', unit: '{call}', description: 'Syscalls completed',
      temporality: AggregationTemporality.CUMULATIVE, pointType: DataPointType.SUM, monotonic: true,
      points: [
        [nginxRead, 250],
        [{ 'syscall.name': 'write', 'process.executable.name': 'nginx' }, 90],
        [{ 'syscall.name': 'read', 'process.executable.name': 'postgres' }, 610],
      ],
    },
    {
      name: 'syscall.duration.count', unit: '{count}', description: 'Syscall latency',
      temporality: AggregationTemporality.CUMULATIVE, pointType: DataPointType.SUM, monotonic: true, points: [[nginxRead, 250]],
    },
    {
      name: 'syscall.duration.sum', unit: 's', description: 'Syscall latency',
      temporality: AggregationTemporality.CUMULATIVE, pointType: DataPointType.SUM, monotonic: true, points: [[nginxRead, 0.26]],
    },
  ]);

  // The pipelines' own exporters still get everything.
  await collector.stop();
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  t.equal(lines.length, 4, 'file: 2 metric lines, 1 log line, 1 span line (one per replayed batch)');
  t.equal(sdk.spans.getFinishedSpans().length, 2, 'stopping the collector emits nothing more');
  t.equal(sdk.logs.getFinishedLogRecords().length, 2);
});

t.test('only the signals with a provider get otel_api', async (t) => {
  const sdk = hostSdk();
  t.teardown(sdk.shutdown);
  const collector = createCollector({ config: replayConfig(join(t.testdir({}), 'out.jsonl')), tracerProvider: sdk.tracerProvider });
  await collector.start();
  t.teardown(() => collector.stop());
  t.strictSame(collector.config?.pipelines.map((p) => [p.id, p.exporters]), [
    ['metrics', ['file']],
    ['logs', ['file']],
    ['traces', ['file', HOST_EXPORTER_ID]],
  ]);
  await delivered(collector, HOST_EXPORTER_ID, 2);
  t.strictSame(sdk.spans.getFinishedSpans().map((s) => s.name), ['tcp.connection', 'syscall.slow']);
});

t.test('without providers there is no otel_api exporter', async (t) => {
  const out = join(t.testdir({}), 'out.jsonl');
  const collector = createCollector({ config: replayConfig(out) });
  await collector.start();
  t.teardown(() => collector.stop());
  t.strictSame(collector.config?.pipelines.map((p) => [p.id, p.exporters]), [
    ['metrics', ['file']],
    ['logs', ['file']],
    ['traces', ['file']],
  ]);
  t.notOk(collector.config?.exporters.has(HOST_EXPORTER_ID));
  await delivered(collector, 'file', SAMPLE_RECORDS);
  t.equal(exporterCounters(collector, HOST_EXPORTER_ID), undefined, 'no otel_api counters either');
  await collector.stop();
});

t.test('a pipeline naming otel_api without providers is a config error', async (t) => {
  const config = replayConfig('/dev/null');
  (config.service as { pipelines: Record<string, { exporters: string[] }> }).pipelines.logs.exporters = ['otel_api'];
  const collector = createCollector({ config });
  await t.rejects(collector.start(), { name: 'ConfigError', message: /otel_api/ });
  await collector.stop();
});

t.test('exactly one of config and configPath', async (t) => {
  t.throws(() => createCollector({ config: replayConfig('/dev/null'), configPath: '/tmp/pipeline.yaml' }), {
    message: 'createCollector: pass exactly one of `config` and `configPath`',
  });
  t.throws(() => createCollector({}), { message: 'createCollector: pass exactly one of `config` and `configPath`' });
});

t.test('stop() is safe before start() and twice', async (t) => {
  const sdk = hostSdk();
  t.teardown(sdk.shutdown);
  const collector = createCollector({ config: replayConfig(join(t.testdir({}), 'out.jsonl')), loggerProvider: sdk.loggerProvider });
  await t.resolves(collector.stop(), 'before start');
  await collector.start();
  await delivered(collector, HOST_EXPORTER_ID, 2);
  await t.resolves(collector.stop(), 'first stop');
  await t.resolves(collector.stop(), 'second stop');
  t.equal(collector.endpoints().length, 0);
  await t.resolves(collector.start(), 'can start again after stop');
  await collector.stop();
});


t.test('examples/embed/app.js prints what its console exporters receive and stops on SIGINT', async (t) => {
  const child = spawn(process.execPath, [join(ROOT, 'examples', 'embed', 'app.js')], {
    cwd: ROOT, env: { ...process.env, EMBED_METRIC_INTERVAL_MS: '600000' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  t.teardown(() => { child.kill('SIGKILL'); });
  await eventually(() => (out.includes("name: 'syscall.slow'") && out.includes("eventName: 'security.alert'") ? true : undefined), 30_000, 'spans and logs on stdout');
  t.match(err, 'embed example: collector started; Ctrl-C to stop');
  t.notMatch(out, 'syscall.calls', 'metrics wait for the reader');
  child.kill('SIGINT');
  t.equal(await exited, 0, err);
  t.match(err, 'embed example: stopped');
  t.match(out, "name: 'tcp.connection'");
  t.match(out, "resource: { attributes: { 'service.name': 'embed-example' } }", "the application's resource");
  // The last collection at shutdown: the final cumulative values.
  t.match(out, /name: 'syscall\.calls'[\s\S]*value: 250[\s\S]*value: 90[\s\S]*value: 610/);
  t.match(out, /name: 'syscall\.duration\.sum'[\s\S]*value: 0\.26/);
});
