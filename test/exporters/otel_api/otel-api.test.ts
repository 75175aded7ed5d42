import t from 'tap';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { compileSchema } from '../../../core/config/ajv';
import type { Exporter } from '../../../core/component';
import type { MetricRecord, Resource, Scope } from '../../../core/signals';
import { createOtelApiExporterFactory } from '../../../exporters/otel_api';
import type { HostProviders } from '../../../exporters/otel_api';
import type { OtelApiConfig } from '../../../exporters/otel_api/config';
import { testContext } from '../otel/create-context';

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const resource: Resource = { attributes: { 'host.name': 'h1' } };
const scope: Scope = { name: 'ebpf-pipeline/receiver/tcp', version: '0.1.0' };
const TRACE = '0af7651916cd43dd8448eb211c80319c';

function make(providers: HostProviders, config: Record<string, unknown> = {}) {
  const factory = createOtelApiExporterFactory(providers);
  const validate = compileSchema(factory.schema);
  if (!validate(config)) throw new Error(JSON.stringify(validate.errors));
  const ctx = testContext('otel_api');
  return { factory, ctx, exporter: factory.create(config as OtelApiConfig, ctx) as Exporter };
}

t.test('spans go through the host tracer provider', async (t) => {
  const memory = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const { exporter, factory } = make({ tracerProvider });
  t.strictSame(factory.signals, ['traces']);
  t.equal(factory.type, 'otel_api');
  await exporter.start();
  const result = await exporter.export({
    signal: 'traces',
    records: [
      {
        resource, scope, traceId: TRACE, spanId: 'b7ad6b7169203331', parentSpanId: '00f067aa0ba902b7', name: 'tcp.connection', kind: 2,
        startTime: [1700000000, 1000], endTime: [1700000002, 5000], attributes: { 'network.peer.port': 443 },
        status: { code: 2, message: 'reset' }, events: [{ name: 'retransmit', time: [1700000001, 0], attributes: { seq: 9 } }],
      },
      { resource, scope, traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'root', kind: 0, startTime: [1700000000, 0], endTime: [1700000003, 0], attributes: {} },
    ],
  });
  t.strictSame(result, { ok: true });
  const [child, root] = memory.getFinishedSpans();
  t.equal(child.name, 'tcp.connection');
  t.equal(child.kind, 2);
  t.strictSame(child.startTime, [1700000000, 1000]);
  t.strictSame(child.endTime, [1700000002, 5000]);
  t.strictSame(child.attributes, { 'network.peer.port': 443 });
  t.strictSame(child.status, { code: 2, message: 'reset' });
  t.strictSame(child.events.map((e) => [e.name, e.time, e.attributes]), [['retransmit', [1700000001, 0], { seq: 9 }]]);
  t.equal(child.spanContext().traceId, TRACE, 'a span with a parent keeps its trace id');
  t.equal(child.parentSpanContext?.spanId, '00f067aa0ba902b7', 'and its parent span id');
  t.not(child.spanContext().spanId, 'b7ad6b7169203331', 'its own span id is new');
  t.strictSame(child.instrumentationScope, { name: 'ebpf-pipeline/receiver/tcp', version: '0.1.0', schemaUrl: undefined });
  t.equal(root.name, 'root');
  t.equal(root.parentSpanContext, undefined);
  t.not(root.spanContext().traceId, TRACE, 'a root span gets a new trace id');
  t.strictSame(root.status, { code: 0 });
  const logs = await exporter.export({ signal: 'logs', records: [] });
  t.strictSame(logs.ok === false && [logs.retryable, logs.error.message], [false, 'otel_api: the host application gave no loggerProvider']);
  await tracerProvider.shutdown();
});

t.test('logs go through the host logger provider with their trace context', async (t) => {
  const memory = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const { exporter, factory } = make({ loggerProvider });
  t.strictSame(factory.signals, ['logs']);
  await exporter.export({
    signal: 'logs',
    records: [{
      resource, scope, time: [1700000000, 5], observedTime: [1700000000, 6], severityNumber: 17, severityText: 'ERROR',
      body: { msg: 'denied', n: 2n }, attributes: { 'process.pid': 7 }, eventName: 'security.alert', traceId: TRACE, spanId: 'b7ad6b7169203331',
    }],
  });
  const [l] = memory.getFinishedLogRecords();
  t.strictSame(l.hrTime, [1700000000, 5]);
  t.strictSame(l.hrTimeObserved, [1700000000, 6]);
  t.equal(l.severityNumber, 17);
  t.equal(l.severityText, 'ERROR');
  t.strictSame(l.body, { msg: 'denied', n: 2 });
  t.strictSame(l.attributes, { 'process.pid': 7 });
  t.equal(l.eventName, 'security.alert');
  t.strictSame(l.spanContext, { traceId: TRACE, spanId: 'b7ad6b7169203331', traceFlags: 0, isRemote: true });
  t.equal(l.instrumentationScope.name, 'ebpf-pipeline/receiver/tcp');
  await loggerProvider.shutdown();
});

t.test('metrics become observable instruments reporting the cumulative state', async (t) => {
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'host-app' }), readers: [reader] });
  const { exporter, factory } = make({ meterProvider }, { max_series: 4 });
  t.strictSame(factory.signals, ['metrics']);
  const base = { resource, scope, startTime: [1700000000, 0] as [number, number], time: [1700000001, 0] as [number, number] };
  const sum = (value: number, port: number, temporality: 'delta' | 'cumulative' = 'delta'): MetricRecord => ({
    ...base, name: 'tcp.bytes', unit: 'By', type: 'sum', monotonic: true, temporality, valueType: 'int', attributes: { port }, value,
  });
  const records: MetricRecord[] = [
    sum(100, 80), sum(50, 80), sum(7, 443),
    { ...base, name: 'tcp.open', type: 'sum', monotonic: false, temporality: 'cumulative', attributes: {}, value: -2 },
    { ...base, name: 'tcp.rtt', unit: 's', type: 'gauge', temporality: 'cumulative', attributes: {}, value: 0.25 },
    { ...base, name: 'tcp.rtt', unit: 's', type: 'gauge', temporality: 'cumulative', attributes: { extra: 1 }, value: 1 },
    { ...base, name: 'tcp.latency', unit: 's', type: 'histogram', temporality: 'delta', attributes: {}, histogram: { bounds: [1], counts: [1, 2], sum: 3.5, count: 3 } },
  ];
  t.strictSame(await exporter.export({ signal: 'metrics', records }),
    { ok: true, dropped: { max_series: 2, invalid_record: 0, histogram_unsupported: 0 } }, 'the 5th and 6th series are over max_series 4');

  const collect = async (): Promise<Map<string, MetricData>> => {
    const { resourceMetrics } = await reader.collect();
    t.equal(resourceMetrics.resource.attributes['service.name'], 'host-app');
    const byName = new Map<string, MetricData>();
    for (const sm of resourceMetrics.scopeMetrics) {
      t.equal(sm.scope.name, 'ebpf-pipeline/receiver/tcp');
      for (const m of sm.metrics) byName.set(m.descriptor.name, m);
    }
    return byName;
  };
  const points = (m: MetricData | undefined) => (m?.dataPoints ?? []).map((p) => [p.attributes, p.value]);
  let metrics = await collect();
  t.strictSame([...metrics.keys()].sort(), ['tcp.bytes', 'tcp.open', 'tcp.rtt']);
  t.equal(metrics.get('tcp.bytes')?.dataPointType, DataPointType.SUM);
  t.strictSame(points(metrics.get('tcp.bytes')), [[{ port: 80 }, 150], [{ port: 443 }, 7]]);
  t.equal(metrics.get('tcp.bytes')?.descriptor.unit, 'By');
  t.strictSame(points(metrics.get('tcp.open')), [[{}, -2]]);
  t.strictSame(points(metrics.get('tcp.rtt')), [[{}, 0.25]]);

  await exporter.export({ signal: 'metrics', records: [sum(25, 80)] });
  metrics = await collect();
  t.strictSame(points(metrics.get('tcp.bytes')), [[{ port: 80 }, 175], [{ port: 443 }, 7]]);
  await meterProvider.shutdown();
});

t.test('histograms as <name>.count and <name>.sum; or dropped and counted', async (t) => {
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const { exporter } = make({ meterProvider });
  const h = (counts: number[], sum: number): MetricRecord => ({
    resource, scope, name: 'io.latency', unit: 's', type: 'histogram', temporality: 'delta', attributes: { op: 'read' },
    startTime: [1, 0], time: [2, 0], histogram: { bounds: [1], counts, sum, count: counts[0] + counts[1] },
  });
  await exporter.export({ signal: 'metrics', records: [h([1, 2], 3.5), h([4, 0], 1)] });
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  t.strictSame(metrics.map((m) => [m.descriptor.name, m.descriptor.unit, m.dataPoints.map((p) => [p.attributes, p.value])]), [
    ['io.latency.count', '{count}', [[{ op: 'read' }, 7]]],
    ['io.latency.sum', 's', [[{ op: 'read' }, 4.5]]],
  ]);
  await meterProvider.shutdown();

  const reader2 = new ManualReader();
  const provider2 = new MeterProvider({ readers: [reader2] });
  const dropped = make({ meterProvider: provider2 }, { histograms: 'drop' });
  const result = await dropped.exporter.export({ signal: 'metrics', records: [h([1, 2], 3.5)] });
  t.strictSame(result, { ok: true, dropped: { max_series: 0, invalid_record: 0, histogram_unsupported: 1 } });
  t.strictSame((await reader2.collect()).resourceMetrics.scopeMetrics, []);
  await provider2.shutdown();
});

t.test('two factories keep their own providers', async (t) => {
  const a = new InMemorySpanExporter();
  const b = new InMemorySpanExporter();
  const pa = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(a)] });
  const pb = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(b)] });
  const span = { resource, scope, traceId: TRACE, spanId: 'b7ad6b7169203331', kind: 0 as const, startTime: [1, 0] as [number, number], endTime: [2, 0] as [number, number], attributes: {} };
  await make({ tracerProvider: pa }).exporter.export({ signal: 'traces', records: [{ ...span, name: 'a' }] });
  await make({ tracerProvider: pb }).exporter.export({ signal: 'traces', records: [{ ...span, name: 'b' }] });
  t.strictSame(a.getFinishedSpans().map((s) => s.name), ['a']);
  t.strictSame(b.getFinishedSpans().map((s) => s.name), ['b']);
  const { exporter } = make({ tracerProvider: pa });
  await exporter.shutdown();
  await exporter.shutdown();
  const after = await exporter.export({ signal: 'traces', records: [] });
  t.equal(after.ok, false);
});
