/**
 * The component contract: factories, receivers, processors and exporters.
 * Built-in components and plugins use exactly this API.
 */
import type { Observable, OperatorFunction } from 'rxjs';
import type { Batch, Resource, Signal } from './signals';
import type { Logger } from './logger';
import type { ComponentTelemetry } from './telemetry';

/** The kinds of pipeline component. A connector is an exporter of one pipeline and a receiver of others. */
export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector';

/** A JSON Schema object (draft 2020-12 subset understood by ajv). */
export type JsonSchema = Record<string, unknown>;

/** What every factory's `create` receives besides its validated config. */
export interface CreateContext {
  /** The full component id, `type` or `type/name`. */
  id: string;
  /** A logger whose every line names the component id. */
  logger: Logger;
  /** The resource stamped on records this component creates. */
  resource: Resource;
  /** This component's own counters (received, sent, refused, dropped). */
  telemetry: ComponentTelemetry;
  /** For processors: the signal of the pipeline the instance serves. */
  signal?: Signal;
  /** For processors: the pipeline id the instance serves. */
  pipelineId?: string;
  /**
   * For receivers: the signals of the pipelines the instance feeds, so it can
   * skip making records nothing takes. Undefined (as outside an engine): all.
   */
  signals?: readonly Signal[];
  /** The directory of the config file, for resolving relative paths. */
  configDir: string;
  /** The engine's telemetry registry, for components that report on the engine (selftelemetry). */
  engine: EngineView;
}

/** What a component can see of the running engine. */
export interface EngineView {
  /** Counters of every component, in a stable order. */
  allTelemetry(): ComponentTelemetry[];
}

/** Shared lifecycle. `shutdown()` is safe before `start()` and safe twice. */
export interface Lifecycle {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A receiver: a hot source of batches. Completes `batches` on shutdown. */
export interface Receiver extends Lifecycle {
  readonly batches: Observable<Batch>;
}

/** A processor instance: one per pipeline that lists it. */
export interface Processor extends Partial<Lifecycle> {
  /** The RxJS operator. Completion of its input means "flush now". */
  readonly operator: OperatorFunction<Batch, Batch>;
}

/**
 * A connector instance: one per connector id, shared by every pipeline that
 * lists it. The batches of the pipelines that list it under `exporters:` go
 * through `operator`; what comes out feeds the pipelines that list it under
 * `receivers:`. Its input completes when every pipeline feeding it has
 * completed (completion means "flush now").
 */
export interface Connector extends Partial<Lifecycle> {
  readonly operator: OperatorFunction<Batch, Batch>;
}

/** The outcome of one export call. */
export type ExportResult =
  /** Delivered; `dropped` counts records of the batch deliberately not sent, by reason (e.g. `max_series`). */
  | { ok: true; dropped?: Record<string, number> }
  | { ok: false; retryable: boolean; error: Error };

/** An exporter: one instance shared by every pipeline that lists it. */
export interface Exporter extends Lifecycle {
  /** Sends one batch. Must not throw: failures are returned. */
  export(batch: Batch): Promise<ExportResult>;
  /** Addresses this exporter listens on, printed at start (e.g. `http://127.0.0.1:9464/metrics`). */
  endpoints?(): string[];
}

interface FactoryBase<C> {
  /** The name used in YAML; matches `^[a-zA-Z][0-9a-zA-Z_]{0,62}$`. */
  type: string;
  /** The signals this component accepts (processors, exporters, connectors) or emits (receivers). */
  signals: readonly Signal[];
  /** JSON Schema of the config, with defaults and a description on every property. */
  schema: JsonSchema;
  /** One-line summary for `--help` and error messages. */
  description: string;
  /**
   * Optional extra validation after the schema passed (e.g. compiling an
   * expression). Returns problems as `{ path, message }`, path relative to the
   * component's config (e.g. `/drop`). `context` says where relative paths
   * start (for components that read files named in their config).
   */
  validate?(config: C, context?: ValidateContext): ConfigProblem[];
  /** Marker type for the config; never set at run time. */
  readonly _config?: C;
}

/** What a factory's `validate` may need besides the config. */
export interface ValidateContext {
  /** The directory of the config file (the cwd for inline text), for resolving relative paths. */
  configDir: string;
}

/** A problem found in a component's config. */
export interface ConfigProblem {
  /** JSON pointer relative to the component's config, e.g. `/drop`. */
  path: string;
  message: string;
}

/** Makes receivers. */
export interface ReceiverFactory<C = unknown> extends FactoryBase<C> {
  kind: 'receiver';
  /**
   * Whether this receiver can run on this kernel with these privileges and
   * this config: `undefined` if it can, else the reason it cannot (e.g.
   * `needs CAP_BPF and CAP_PERFMON (run as root)`). Called at config time.
   */
  probe?(config: C): string | undefined;
  create(config: C, ctx: CreateContext): Receiver;
}

/** Makes processors. */
export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  kind: 'processor';
  create(config: C, ctx: CreateContext): Processor;
}

/** Makes exporters. */
export interface ExporterFactory<C = unknown> extends FactoryBase<C> {
  kind: 'exporter';
  create(config: C, ctx: CreateContext): Exporter;
}

/** Makes connectors. `signals` are the signals it accepts (as an exporter). */
export interface ConnectorFactory<C = unknown> extends FactoryBase<C> {
  kind: 'connector';
  /** The signals it emits (as a receiver), e.g. `['logs']` for a metrics-to-logs connector. */
  emits: readonly Signal[];
  create(config: C, ctx: CreateContext): Connector;
}

/** Any component factory. */
export type ComponentFactory = ReceiverFactory<any> | ProcessorFactory<any> | ExporterFactory<any> | ConnectorFactory<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Declares a receiver factory (identity function that keeps the config type). */
export function defineReceiver<C>(factory: Omit<ReceiverFactory<C>, 'kind'>): ReceiverFactory<C> {
  return { ...factory, kind: 'receiver' };
}

/** Declares a processor factory. */
export function defineProcessor<C>(factory: Omit<ProcessorFactory<C>, 'kind'>): ProcessorFactory<C> {
  return { ...factory, kind: 'processor' };
}

/** Declares an exporter factory. */
export function defineExporter<C>(factory: Omit<ExporterFactory<C>, 'kind'>): ExporterFactory<C> {
  return { ...factory, kind: 'exporter' };
}

/** Declares a connector factory. */
export function defineConnector<C>(factory: Omit<ConnectorFactory<C>, 'kind'>): ConnectorFactory<C> {
  return { ...factory, kind: 'connector' };
}
