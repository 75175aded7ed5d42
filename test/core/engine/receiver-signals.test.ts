/** The engine tells each receiver the signals of the pipelines it feeds (CreateContext.signals). */
import t from 'tap';
import { EMPTY } from 'rxjs';
import { Service } from '../../../core/engine/service';
import { Registry } from '../../../core/registry';
import { TelemetryRegistry } from '../../../core/telemetry';
import { silentLogger } from '../../../core/logger';
import { defineReceiver } from '../../../core/component';
import type { ComponentConfig, PipelineConfig, ResolvedConfig } from '../../../core/config/model';
import type { Signal } from '../../../core/signals';
import { memoryExporterFactory } from '../../support/memory-exporter';

t.test('each receiver is told the signals of the pipelines that list it, once each', async (t) => {
  const told = new Map<string, readonly Signal[] | undefined>();
  const registry = new Registry();
  registry.register(defineReceiver<Record<string, never>>({
    type: 'probe', signals: ['metrics', 'logs', 'traces'], schema: {}, description: 'records its context',
    create: (_c, ctx) => {
      told.set(ctx.id, ctx.signals);
      return { batches: EMPTY, start: async () => {}, shutdown: async () => {} };
    },
  }));
  registry.register(memoryExporterFactory(new Map(), []));
  const pipelines: PipelineConfig[] = [
    { id: 'metrics', signal: 'metrics', receivers: ['probe/a', 'probe/b'], processors: [], exporters: ['memory'] },
    { id: 'traces', signal: 'traces', receivers: ['probe/a'], processors: [], exporters: ['memory'] },
    { id: 'metrics/2', signal: 'metrics', receivers: ['probe/a'], processors: [], exporters: ['memory'] },
  ];
  const component = (kind: ComponentConfig['kind'], id: string): [string, ComponentConfig] => [id, { kind, id, type: id.split('/')[0], config: {} }];
  const config: ResolvedConfig = {
    source: '<test>',
    receivers: new Map([component('receiver', 'probe/a'), component('receiver', 'probe/b')]),
    processors: new Map(),
    exporters: new Map([component('exporter', 'memory')]),
    connectors: new Map(),
    pipelines,
    plugins: [],
    warnings: [],
  };
  const service = new Service(config, { registry, logger: silentLogger(), telemetry: new TelemetryRegistry(), resource: { attributes: {} } });
  await service.start();
  await service.shutdown();
  t.same(told.get('probe/a'), ['metrics', 'traces']);
  t.same(told.get('probe/b'), ['metrics']);
});
