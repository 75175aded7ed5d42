// Connectors in the engine: replayed metric points go through the metricstologs
// connector into a logs pipeline whose anomaly processor raises exactly the rate and
// baseline alerts the recorded numbers must give; a connector that holds its input
// flushes at shutdown before the pipelines it feeds complete; counters add up.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, from, mergeMap, toArray, throwError, type Observable } from 'rxjs';
import { defineConnector, defineReceiver } from '../../../core/component';
import { registerBuiltins } from '../../../core/builtins';
import { loadConfigText } from '../../../core/config/load';
import { Service } from '../../../core/engine/service';
import { silentLogger } from '../../../core/logger';
import { encodeRequest } from '../../../core/otlp-json';
import { Registry } from '../../../core/registry';
import type { Batch, LogRecord, MetricRecord } from '../../../core/signals';
import { TelemetryRegistry } from '../../../core/telemetry';
import { snapshotMetrics } from '../../../receivers/selftelemetry/snapshot';
import { eventually } from '../../support/cli';
import { memoryExporterFactory, type MemoryExporter } from '../../support/memory-exporter';

const T0 = 1_700_000_000; // seconds; a multiple of the 10 s windows
const resource = { attributes: { 'host.name': 'replayed' } };
const scope = { name: 'ebpf-pipeline/receiver/syscall' };

/** syscall.errors of one program, cumulative since T0, one point per 10 s window (at :05). */
function points(program: string, deltas: number[]): MetricRecord[] {
  let value = 0;
  return deltas.map((delta, i) => {
    value += delta;
    return {
      resource, scope, name: 'syscall.errors', unit: '{error}', type: 'sum', monotonic: true, temporality: 'cumulative', valueType: 'int',
      attributes: { 'process.executable.name': program, 'syscall.name': 'openat', 'error.type': 'ENOENT' },
      startTime: [T0, 0], time: [T0 + 10 * i + 5, 0], value,
    };
  });
}

/** One line per 10 s: both programs' points. `app` bursts to 100 errors in window 5. */
function recording(): string {
  const app = points('app', [10, 10, 10, 10, 10, 100, 10, 10]);
  const calm = points('calm', [10, 10, 10, 10, 10, 10, 10, 10]);
  return app.map((p, i) => JSON.stringify(encodeRequest({ signal: 'metrics', records: [p, calm[i]] }))).join('\n') + '\n';
}

const RULES = [
  '      - rule: Error rate',
  '        condition: attributes["metric.name"] == "syscall.errors"',
  '        count: { by: [process.executable.name], over: 10s, value: metric.delta, rate_gt: 5 }',
  '      - rule: Error baseline',
  '        condition: attributes["metric.name"] == "syscall.errors"',
  '        baseline: { by: [process.executable.name], over: 10s, value: metric.delta, k: 3, alpha: 0.5, warmup: 3, min_deviation: 1 }',
];

t.test('replay -> metricstologs -> logs pipeline -> anomaly: exact rate and baseline alerts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'connector-'));
  writeFileSync(join(dir, 'points.jsonl'), recording());
  const registry = registerBuiltins(new Registry());
  const exporters = new Map<string, MemoryExporter>();
  registry.register(memoryExporterFactory(exporters));
  const config = await loadConfigText([
    'receivers:',
    `  replay: { path: ${join(dir, 'points.jsonl')} }`,
    'connectors:',
    '  metricstologs: {}',
    'processors:',
    '  anomaly:',
    '    drop_events: true',
    '    rules:',
    ...RULES,
    'exporters:',
    '  memory/metrics: {}',
    '  memory/alerts: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [replay], exporters: [memory/metrics, metricstologs] }',
    '    logs/alerts: { receivers: [metricstologs], processors: [anomaly], exporters: [memory/alerts] }',
  ].join('\n'), '<inline>', registry, { env: {} });
  const telemetry = new TelemetryRegistry();
  const service = new Service(config, { registry, logger: silentLogger(), telemetry, resource, shutdownTimeoutMs: 5000 });
  await service.start();
  const alerts = exporters.get('memory/alerts') as MemoryExporter;
  await eventually(() => ((exporters.get('memory/metrics')?.records().length ?? 0) === 16 ? true : undefined), 5000, 'the 16 points replayed');
  await eventually(() => (alerts.records().length === 2 ? true : undefined), 5000, 'two alerts');
  await service.shutdown();

  const [rate, baseline] = alerts.records() as LogRecord[];
  t.equal(alerts.records().length, 2, 'two alerts, both for app; none for calm');
  t.same(rate.time, [T0 + 55, 0], 'the rate alert: at the point that took window 5 over');
  t.match(rate.attributes, {
    'event.name': 'anomaly.alert', 'security_rule.name': 'Error rate', 'trigger.event.name': 'metric.point',
    'process.executable.name': 'app', 'syscall.name': 'openat', 'error.type': 'ENOENT', 'metric.name': 'syscall.errors',
    'metric.value': 150, 'metric.delta': 100, 'metric.interval': 10, 'metric.rate': 10,
    'anomaly.value': 10, 'anomaly.window.total': 100, 'anomaly.threshold': 5, 'anomaly.window': 10,
    'anomaly.window.start': new Date((T0 + 50) * 1000).toISOString(),
  });
  t.equal(rate.body, 'Error rate: metric.delta at 10/s over 10s (more than 5/s)');
  t.same(baseline.time, [T0 + 60, 0], 'the baseline alert: at the end of window 5');
  t.match(baseline.attributes, {
    'security_rule.name': 'Error baseline', 'process.executable.name': 'app', 'metric.delta': 100,
    'anomaly.value': 100, 'anomaly.baseline': 10, 'anomaly.deviation': 0, 'anomaly.window': 10,
    'anomaly.window.start': new Date((T0 + 50) * 1000).toISOString(),
  });
  t.equal(baseline.body, 'Error baseline: sum of metric.delta 100 in 10s, baseline 10 (deviation 0)');

  const counters = Object.fromEntries(telemetry.all().map((c) => [`${c.kind} ${c.id}`, { received: c.received, sent: c.sent, dropped: Object.fromEntries(c.dropped) }]));
  t.same(counters['connector metricstologs'], { received: 16, sent: 16, dropped: {} }, 'every point became one log record');
  t.same(counters['processor anomaly'], { received: 16, sent: 2, dropped: { filtered: 16 } }, 'the points were dropped (drop_events), two alerts added');
  t.same(counters['exporter memory/alerts'], { received: 2, sent: 2, dropped: {} });
  const self = snapshotMetrics(telemetry.all(), resource, scope, [T0, 0], [T0, 0])
    .filter((m) => m.attributes['component.kind'] === 'connector')
    .map((m) => [m.name, m.attributes['component.id'], m.value]);
  t.same(self, [
    ['ebpf_pipeline.component.received', 'metricstologs', 16],
    ['ebpf_pipeline.component.sent', 'metricstologs', 16],
    ['ebpf_pipeline.component.refused', 'metricstologs', 0],
  ], 'the selftelemetry receiver reports the connector like any component');
});

/** A fake source, a connector that holds everything until its input completes, and memory exporters. */
function world(connectorOperator?: (source: Observable<Batch>) => Observable<Batch>) {
  const log: string[] = [];
  const sources = new Map<string, Subject<Batch>>();
  const exporters = new Map<string, MemoryExporter>();
  const registry = new Registry();
  registry.register(defineReceiver<Record<string, never>>({
    type: 'fake', signals: ['metrics'], schema: { type: 'object', properties: {} }, description: 'test source',
    create: (_c, ctx) => {
      const subject = new Subject<Batch>();
      sources.set(ctx.id, subject);
      return { batches: subject.asObservable(), start: async () => void log.push(`start ${ctx.id}`), shutdown: async () => { log.push(`shutdown ${ctx.id}`); subject.complete(); } };
    },
  }));
  registry.register(defineConnector<Record<string, never>>({
    type: 'hold', signals: ['metrics'], emits: ['logs'], schema: { type: 'object', properties: {} }, description: 'holds, then turns each point into a log',
    create: (_c, ctx) => ({
      operator: connectorOperator ?? ((source) => source.pipe(
        toArray(),
        mergeMap((batches) => from(batches.map((b): Batch => ({
          signal: 'logs',
          records: (b.records as MetricRecord[]).map((m) => ({ resource: m.resource, scope: m.scope, time: m.time, attributes: {}, body: m.value })),
        })))),
      )),
      start: async () => void log.push(`start ${ctx.id}`),
      shutdown: async () => void log.push(`shutdown ${ctx.id}`),
    }),
  }));
  registry.register(memoryExporterFactory(exporters, log));
  return { log, sources, exporters, registry };
}

const HOLD_CONFIG = [
  'receivers: { fake/a: {}, fake/b: {} }',
  'connectors: { hold: {} }',
  'exporters: { memory/logs: {}, memory/metrics: {} }',
  'service:',
  '  pipelines:',
  '    metrics/a: { receivers: [fake/a], exporters: [hold] }',
  '    metrics/b: { receivers: [fake/b], exporters: [memory/metrics, hold] }',
  '    logs: { receivers: [hold], exporters: [memory/logs] }',
].join('\n');

const metric = (value: number): MetricRecord => ({
  resource, scope, name: 'm', type: 'sum', monotonic: true, temporality: 'delta', attributes: {}, startTime: [0, 0], time: [1, 0], value,
});

t.test('a connector fed by two pipelines flushes at shutdown, before the pipeline it feeds completes', async (t) => {
  const w = world();
  const config = await loadConfigText(HOLD_CONFIG, '<inline>', w.registry, { env: {} });
  const telemetry = new TelemetryRegistry();
  const service = new Service(config, { registry: w.registry, logger: silentLogger(), telemetry, resource, shutdownTimeoutMs: 5000 });
  await service.start();
  t.same(w.log, ['start memory/metrics', 'start memory/logs', 'start hold', 'start fake/a', 'start fake/b'], 'exporters, connectors, receivers');
  w.sources.get('fake/a')?.next({ signal: 'metrics', records: [metric(1), metric(2)] });
  w.sources.get('fake/b')?.next({ signal: 'metrics', records: [metric(3)] });
  await new Promise((r) => setImmediate(r));
  const logs = w.exporters.get('memory/logs') as MemoryExporter;
  t.same(logs.records(), [], 'held in the connector');
  t.same((w.exporters.get('memory/metrics') as MemoryExporter).records().map((r) => (r as MetricRecord).value), [3]);
  w.log.length = 0;
  await service.shutdown();
  t.same(logs.records().map((r) => (r as LogRecord).body), [1, 2, 3], 'flushed through the logs pipeline at shutdown');
  t.same(w.log, ['shutdown fake/a', 'shutdown fake/b', 'shutdown hold', 'shutdown memory/metrics', 'shutdown memory/logs']);
  const hold = telemetry.all().find((c) => c.kind === 'connector');
  t.match(hold, { id: 'hold', received: 3, sent: 3 });
  await service.shutdown();
  t.pass('shutdown twice is safe');
});

t.test('a connector that fails: its pipeline stops, what is offered later is counted as dropped', async (t) => {
  const w = world(() => throwError(() => new Error('boom')));
  const config = await loadConfigText(HOLD_CONFIG, '<inline>', w.registry, { env: {} });
  const telemetry = new TelemetryRegistry();
  const service = new Service(config, { registry: w.registry, logger: silentLogger(), telemetry, resource, shutdownTimeoutMs: 5000 });
  await service.start();
  w.sources.get('fake/a')?.next({ signal: 'metrics', records: [metric(1), metric(2)] });
  w.sources.get('fake/b')?.next({ signal: 'metrics', records: [metric(3)] });
  await service.shutdown();
  const hold = telemetry.all().find((c) => c.kind === 'connector');
  t.same(Object.fromEntries(hold?.dropped ?? []), { connector_failed: 3 });
  t.same((w.exporters.get('memory/metrics') as MemoryExporter).records().length, 1, 'the other exporter of the pipeline still got its batch');
});
