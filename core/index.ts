/**
 * The public API of ebpf-pipeline: what plugins and embedding applications
 * import. Built-in components use exactly these names.
 */
export type {
  AttributeValue, Attributes, Batch, HistogramValue, HrTime, LogBatch, LogRecord, MetricBatch, MetricRecord,
  MetricType, RecordOf, Resource, Scope, Signal, SpanBatch, SpanEvent, SpanKind, SpanRecord,
} from './signals';
export { SIGNALS, makeBatch, nowHrTime } from './signals';
export type {
  ComponentFactory, ComponentKind, ConfigProblem, Connector, ConnectorFactory, CreateContext, EngineView, ExportResult, Exporter,
  ExporterFactory, JsonSchema, Lifecycle, Processor, ProcessorFactory, Receiver, ReceiverFactory,
} from './component';
export { defineConnector, defineExporter, defineProcessor, defineReceiver } from './component';
export type { ComponentTelemetry } from './telemetry';
export type { Logger } from './logger';
export { Registry } from './registry';
export type { ComponentConfig, PipelineConfig, ResolvedConfig } from './config/model';
export { ConfigError, isConfigError } from './config/errors';
export { parseDuration } from './config/duration';
export { parseByteSize } from './config/bytesize';
export { Collector, createCollector } from './engine/collector';
export type { CollectorOptions } from './engine/collector';
export type { PluginModule } from './engine/plugins';
export { AGENT_VERSION } from './version';
