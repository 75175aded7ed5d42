/**
 * The running pipeline graph: creates the components a config names, wires
 * receivers -> processors -> exporter queues with RxJS (a connector is the
 * exporter of some pipelines and a receiver of others), starts them in order
 * (exporters, connectors, processors, receivers) and shuts them down in
 * reverse with a flush. A start that fails part way undoes what it started.
 */
import { merge, filter, share, tap, type Observable, type Subscription } from 'rxjs';
import type { Batch, Resource } from '../signals';
import type { ComponentKind, CreateContext, Exporter, Lifecycle, Processor, Receiver } from '../component';
import type { ComponentConfig, PipelineConfig, ResolvedConfig } from '../config/model';
import type { Registry } from '../registry';
import type { Logger } from '../logger';
import type { TelemetryRegistry, ComponentTelemetry } from '../telemetry';
import { dirname } from 'node:path';
import { errorMessage } from '../error-message';
import { ConnectorNode } from './connector-node';
import { ExporterQueue } from './exporter-queue';
import { exporterQueueOptions } from './exporter-options';

/** How long shutdown waits for pipelines to flush and queues to drain. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** What a service needs besides its config. */
export interface ServiceOptions {
  registry: Registry;
  logger: Logger;
  telemetry: TelemetryRegistry;
  resource: Resource;
  shutdownTimeoutMs?: number;
}

interface RunningReceiver { id: string; receiver: Receiver; batches: Observable<Batch> }
interface RunningExporter { id: string; exporter: Exporter; queue: ExporterQueue }

/** One configured, runnable graph of pipelines. */
export class Service {
  private readonly receivers = new Map<string, RunningReceiver>();
  private readonly exporters = new Map<string, RunningExporter>();
  private readonly connectors = new Map<string, ConnectorNode>();
  private readonly processors: Array<{ id: string; processor: Processor }> = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly pipelineDone: Array<Promise<void>> = [];
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly config: ResolvedConfig, private readonly options: ServiceOptions) {}

  /** Builds and starts every pipeline. Throws (after undoing) if a component fails to start. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('service already started');
    this.state = 'running';
    try {
      this.createExporters();
      for (const { id, exporter } of this.exporters.values()) await this.startOne(id, exporter);
      this.createConnectors();
      for (const { id, connector } of this.connectors.values()) await this.startOne(id, connector);
      this.createReceivers();
      for (const pipeline of this.config.pipelines) this.wirePipeline(pipeline);
      for (const { id, processor } of this.processors) await this.startOne(id, processor);
      for (const { id, receiver } of this.receivers.values()) await this.startOne(id, receiver);
    } catch (err) {
      this.options.logger.error({ err: errorMessage(err) }, 'start failed; shutting down what started');
      await this.shutdown();
      throw err;
    }
  }

  /** Addresses the exporters listen on. */
  endpoints(): string[] {
    return [...this.exporters.values()].flatMap(({ exporter }) => exporter.endpoints?.() ?? []);
  }

  /**
   * Stops receivers, lets processors and connectors flush (a pipeline fed by
   * a connector completes after the connector has flushed), drains exporter
   * queues, then stops exporters. Safe before start and safe twice.
   */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    const timeoutMs = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (const { id, receiver } of this.receivers.values()) await this.stopOne(id, receiver);
    await withDeadline(Promise.all(this.pipelineDone), timeoutMs);
    for (const s of this.subscriptions) s.unsubscribe();
    for (const { id, processor } of this.processors) await this.stopOne(id, processor);
    for (const { id, connector } of this.connectors.values()) await this.stopOne(id, connector);
    await Promise.all([...this.exporters.values()].map(({ queue }) => queue.drain(Math.max(0, deadline - Date.now()))));
    for (const { id, exporter } of this.exporters.values()) await this.stopOne(id, exporter);
  }

  private context(component: ComponentConfig, telemetry: ComponentTelemetry, extra: Partial<CreateContext> = {}): CreateContext {
    const { logger, resource, telemetry: registry } = this.options;
    return {
      id: component.id,
      logger: logger.child({ component: component.id, kind: component.kind, ...(extra.pipelineId ? { pipeline: extra.pipelineId } : {}) }),
      resource,
      telemetry,
      configDir: configDirOf(this.config.source),
      engine: { allTelemetry: () => registry.all() },
      ...extra,
    };
  }

  private factory(kind: ComponentKind, component: ComponentConfig) {
    const factory = this.options.registry.get(kind, component.type);
    if (!factory) throw new Error(`${kind} type "${component.type}" is not registered`);
    return factory;
  }

  private createExporters(): void {
    for (const id of usedIds(this.config.pipelines, 'exporters')) {
      if (this.config.connectors.has(id)) continue;
      const component = this.config.exporters.get(id) as ComponentConfig;
      const telemetry = this.options.telemetry.forComponent(id, 'exporter');
      const ctx = this.context(component, telemetry);
      const factory = this.factory('exporter', component);
      if (factory.kind !== 'exporter') throw new Error(`${id} is not an exporter`);
      const exporter = factory.create(componentOwnConfig(component), ctx);
      const queue = new ExporterQueue(id, exporter, telemetry, exporterQueueOptions(component.config), ctx.logger);
      this.exporters.set(id, { id, exporter, queue });
    }
  }

  private createReceivers(): void {
    for (const id of usedIds(this.config.pipelines, 'receivers')) {
      if (this.config.connectors.has(id)) continue;
      const component = this.config.receivers.get(id) as ComponentConfig;
      if (component.unavailable !== undefined) continue; // optional and cannot run here: logged by the collector
      const telemetry = this.options.telemetry.forComponent(id, 'receiver');
      const factory = this.factory('receiver', component);
      if (factory.kind !== 'receiver') throw new Error(`${id} is not a receiver`);
      const signals = [...new Set(this.config.pipelines.filter((p) => p.receivers.includes(id)).map((p) => p.signal))];
      const receiver = factory.create(component.config, this.context(component, telemetry, { signals }));
      const batches = receiver.batches.pipe(
        tap((batch) => (telemetry.sent += batch.records.length)),
        share(),
      );
      this.receivers.set(id, { id, receiver, batches });
    }
  }

  private createConnectors(): void {
    for (const [id, component] of this.config.connectors) {
      const telemetry = this.options.telemetry.forComponent(id, 'connector');
      const factory = this.factory('connector', component);
      if (factory.kind !== 'connector') throw new Error(`${id} is not a connector`);
      const connector = factory.create(component.config, this.context(component, telemetry));
      const feeders = this.config.pipelines.filter((p) => p.exporters.includes(id)).length;
      this.connectors.set(id, new ConnectorNode(id, connector, telemetry, feeders));
    }
  }

  private wirePipeline(pipeline: PipelineConfig): void {
    const running = pipeline.receivers.flatMap((id) => this.receivers.get(id)?.batches ?? this.connectors.get(id)?.output ?? []);
    const sources = running.map((batches) => batches.pipe(filter((batch) => batch.signal === pipeline.signal)));
    let stream: Observable<Batch> = merge(...sources);
    for (const id of pipeline.processors) {
      const component = this.config.processors.get(id) as ComponentConfig;
      const telemetry = this.options.telemetry.forComponent(id, 'processor', pipeline.id);
      const factory = this.factory('processor', component);
      if (factory.kind !== 'processor') throw new Error(`${id} is not a processor`);
      const processor = factory.create(component.config, this.context(component, telemetry, { signal: pipeline.signal, pipelineId: pipeline.id }));
      this.processors.push({ id: `${id} (pipeline ${pipeline.id})`, processor });
      stream = stream.pipe(
        tap((batch) => (telemetry.received += batch.records.length)),
        processor.operator,
        tap((batch) => (telemetry.sent += batch.records.length)),
      );
    }
    const queues = pipeline.exporters.flatMap((id) => this.exporters.get(id)?.queue ?? []);
    const connectors = pipeline.exporters.flatMap((id) => this.connectors.get(id) ?? []);
    this.pipelineDone.push(new Promise<void>((resolve) => {
      const done = (): void => {
        for (const c of connectors) c.feederDone();
        resolve();
      };
      this.subscriptions.push(stream.subscribe({
        next: (batch) => {
          if (batch.records.length === 0) return;
          for (const q of queues) q.offer(batch);
          for (const c of connectors) c.offer(batch);
        },
        error: (err: unknown) => {
          this.options.logger.error({ pipeline: pipeline.id, err: errorMessage(err) }, 'pipeline failed; it stops here');
          done();
        },
        complete: done,
      }));
    }));
  }

  private async startOne(id: string, component: Lifecycle | Processor): Promise<void> {
    if (!component.start) return;
    try {
      await component.start();
    } catch (err) {
      const reason = errorMessage(err).replace(`${id}: `, '');
      throw new Error(`${id}: cannot start: ${reason}`, { cause: err });
    }
  }

  private async stopOne(id: string, component: Lifecycle | Processor): Promise<void> {
    try {
      await component.shutdown?.();
    } catch (err) {
      this.options.logger.error({ component: id, err: errorMessage(err) }, 'shutdown failed');
    }
  }
}

/** Ids of one kind used by any pipeline, in first-use order. */
function usedIds(pipelines: PipelineConfig[], key: 'receivers' | 'exporters'): string[] {
  return [...new Set(pipelines.flatMap((p) => p[key]))];
}

/** An exporter's config without the engine-level queue and retry keys. */
function componentOwnConfig(component: ComponentConfig): Record<string, unknown> {
  const { sending_queue: _q, retry_on_failure: _r, ...own } = component.config;
  return own;
}

function configDirOf(source: string): string {
  return source.startsWith('<') ? process.cwd() : dirname(source);
}

async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
