import t from 'tap';
import { Subject, map, toArray, mergeMap, from } from 'rxjs';
import { Service } from '../../../core/engine/service';
import { Registry } from '../../../core/registry';
import { TelemetryRegistry } from '../../../core/telemetry';
import { silentLogger } from '../../../core/logger';
import { defineProcessor, defineReceiver } from '../../../core/component';
import type { ComponentConfig, PipelineConfig, ResolvedConfig } from '../../../core/config/model';
import type { Batch, LogRecord, MetricRecord } from '../../../core/signals';
import { memoryExporterFactory, type MemoryExporter } from '../../support/memory-exporter';

const resource = { attributes: { 'service.name': 'test' } };
const scope = { name: 'test' };
const metric = (value: number): MetricRecord => ({
  resource, scope, name: 'm', type: 'sum', monotonic: true, temporality: 'delta', attributes: {}, startTime: [0, 0], time: [1, 0], value,
});
const log = (body: string): LogRecord => ({ resource, scope, time: [1, 0], attributes: {}, body });

interface World {
  log: string[];
  sources: Map<string, Subject<Batch>>;
  exporters: Map<string, MemoryExporter>;
  registry: Registry;
  telemetry: TelemetryRegistry;
}

function world(): World {
  const w: World = { log: [], sources: new Map(), exporters: new Map(), registry: new Registry(), telemetry: new TelemetryRegistry() };
  w.registry.register(defineReceiver<Record<string, never>>({
    type: 'fake', signals: ['metrics', 'logs'], schema: {}, description: 'test source',
    create: (_c, ctx) => {
      const subject = new Subject<Batch>();
      w.sources.set(ctx.id, subject);
      return {
        batches: subject.asObservable(),
        start: async () => void w.log.push(`start ${ctx.id}`),
        shutdown: async () => {
          w.log.push(`shutdown ${ctx.id}`);
          subject.complete();
        },
      };
    },
  }));
  // Holds everything until its input completes: proves shutdown flushes processors.
  w.registry.register(defineProcessor<Record<string, never>>({
    type: 'hold', signals: ['metrics', 'logs', 'traces'], schema: {}, description: 'buffers until complete',
    create: (_c, ctx) => ({
      operator: (source) => source.pipe(
        toArray(),
        mergeMap((batches) => from(batches)),
      ),
      start: async () => void w.log.push(`start ${ctx.id}/${ctx.pipelineId}`),
      shutdown: async () => void w.log.push(`shutdown ${ctx.id}/${ctx.pipelineId}`),
    }),
  }));
  w.registry.register(defineProcessor<Record<string, never>>({
    type: 'double', signals: ['metrics'], schema: {}, description: 'doubles values',
    create: () => ({
      operator: map((b: Batch) => ({ signal: 'metrics', records: (b.records as MetricRecord[]).map((r) => ({ ...r, value: (r.value ?? 0) * 2 })) }) as Batch),
    }),
  }));
  w.registry.register(memoryExporterFactory(w.exporters, w.log));
  return w;
}

function component(kind: ComponentConfig['kind'], id: string): [string, ComponentConfig] {
  return [id, { kind, id, type: id.split('/')[0], config: {} }];
}

function config(pipelines: PipelineConfig[]): ResolvedConfig {
  const ids = (k: 'receivers' | 'processors' | 'exporters') => [...new Set(pipelines.flatMap((p) => p[k]))];
  return {
    source: '<test>',
    receivers: new Map(ids('receivers').map((id) => component('receiver', id))),
    processors: new Map(ids('processors').map((id) => component('processor', id))),
    exporters: new Map(ids('exporters').map((id) => component('exporter', id))),
    connectors: new Map(),
    pipelines,
    plugins: [],
    warnings: [],
  };
}

function service(w: World, c: ResolvedConfig): Service {
  return new Service(c, { registry: w.registry, logger: silentLogger(), telemetry: w.telemetry, resource, shutdownTimeoutMs: 2000 });
}

t.test('fan-in, fan-out, routing by signal, order of start and shutdown, flush on shutdown', async (t) => {
  const w = world();
  const s = service(w, config([
    { id: 'metrics', signal: 'metrics', receivers: ['fake/a', 'fake/b'], processors: ['hold', 'double'], exporters: ['memory/one', 'memory/two'] },
    { id: 'metrics/raw', signal: 'metrics', receivers: ['fake/a'], processors: [], exporters: ['memory/two'] },
    { id: 'logs', signal: 'logs', receivers: ['fake/b'], processors: [], exporters: ['memory/one'] },
  ]));
  await s.start();
  t.same(w.log, ['start memory/one', 'start memory/two', 'start hold/metrics', 'start fake/a', 'start fake/b']);
  w.sources.get('fake/a')?.next({ signal: 'metrics', records: [metric(1), metric(2)] });
  w.sources.get('fake/b')?.next({ signal: 'metrics', records: [metric(10)] });
  w.sources.get('fake/b')?.next({ signal: 'logs', records: [log('hello')] });
  await new Promise((r) => setImmediate(r));
  const one = w.exporters.get('memory/one') as MemoryExporter;
  const two = w.exporters.get('memory/two') as MemoryExporter;
  t.same(one.records().map((r) => (r as LogRecord).body), ['hello'], 'logs routed only to the logs pipeline; metrics held');
  t.same(two.records().map((r) => (r as MetricRecord).value), [1, 2], 'raw pipeline got fake/a metrics right away');
  w.log.length = 0;
  await s.shutdown();
  t.same(w.log, ['shutdown fake/a', 'shutdown fake/b', 'shutdown hold/metrics', 'shutdown memory/one', 'shutdown memory/two']);
  t.same(one.records().filter((r) => 'value' in r).map((r) => (r as MetricRecord).value), [2, 4, 20], 'held metrics flushed, doubled, on shutdown');
  t.same(two.records().map((r) => (r as MetricRecord).value), [1, 2, 2, 4, 20]);
  const counters = Object.fromEntries(w.telemetry.all().map((c) => [`${c.kind} ${c.id} ${c.pipelineId ?? ''}`.trim(), [c.received, c.sent]]));
  t.same(counters, {
    'exporter memory/one': [4, 4],
    'exporter memory/two': [5, 5],
    'receiver fake/a': [0, 2],
    'receiver fake/b': [0, 2],
    'processor hold metrics': [3, 3],
    'processor double metrics': [3, 3],
  });
  await s.shutdown();
  t.pass('shutdown twice is safe');
});

t.test('a failed start undoes what started', async (t) => {
  const w = world();
  const s = service(w, config([
    { id: 'metrics', signal: 'metrics', receivers: ['fake'], processors: [], exporters: ['memory/ok', 'memory/broken'] },
  ]));
  const started = s.start();
  // memory/broken is created synchronously before start resolves: make it fail.
  (w.exporters.get('memory/broken') as MemoryExporter).startError = new Error('port in use');
  await t.rejects(started, /memory\/broken: cannot start: port in use/);
  t.same(w.log, ['start memory/ok', 'start memory/broken', 'shutdown memory/ok', 'shutdown memory/broken'], 'receivers were never created');
});

t.test('shutdown before start is safe', async (t) => {
  const w = world();
  const s = service(w, config([{ id: 'logs', signal: 'logs', receivers: ['fake'], processors: [], exporters: ['memory'] }]));
  await s.shutdown();
  t.same(w.log, []);
});

t.test('an optional receiver that cannot run here is left out; its pipelines run on', async (t) => {
  const w = world();
  const c = config([{ id: 'logs', signal: 'logs', receivers: ['fake/gone', 'fake/here'], processors: [], exporters: ['memory'] }]);
  const gone = c.receivers.get('fake/gone');
  if (gone) Object.assign(gone, { optional: true, unavailable: 'needs BPF LSM' });
  const s = service(w, c);
  await s.start();
  t.same([...w.sources.keys()], ['fake/here'], 'only the available receiver was created');
  w.sources.get('fake/here')?.next({ signal: 'logs', records: [log('x')] });
  await s.shutdown();
  t.same((w.exporters.get('memory') as MemoryExporter).records().map((r) => (r as LogRecord).body), ['x']);
});
