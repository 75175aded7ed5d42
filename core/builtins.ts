/** The built-in components. They register through the same API as plugins. */
import type { Registry } from './registry';
import { replayReceiverFactory } from '../receivers/replay';
import { selftelemetryReceiverFactory } from '../receivers/selftelemetry';
import { syscallReceiverFactory } from '../receivers/syscall';
import { packetReceiverFactory } from '../receivers/packet';
import { tcpReceiverFactory } from '../receivers/tcp';
import { perfReceiverFactory } from '../receivers/perf';
import { allocReceiverFactory } from '../receivers/alloc';
import { blockioReceiverFactory } from '../receivers/blockio';
import { securityReceiverFactory } from '../receivers/security';
import { batchProcessorFactory } from '../processors/batch';
import { filterProcessorFactory } from '../processors/filter';
import { attributesProcessorFactory } from '../processors/attributes';
import { anomalyProcessorFactory } from '../processors/anomaly';
import { debugExporterFactory } from '../exporters/debug';
import { fileExporterFactory } from '../exporters/file';
import { otlpExporterFactory } from '../exporters/otlp';
import { prometheusExporterFactory } from '../exporters/prometheus';
import { metricsToLogsConnectorFactory } from '../connectors/metricstologs';

/** Every built-in factory. */
export const BUILTIN_FACTORIES = [
  replayReceiverFactory,
  selftelemetryReceiverFactory,
  syscallReceiverFactory,
  packetReceiverFactory,
  tcpReceiverFactory,
  perfReceiverFactory,
  allocReceiverFactory,
  blockioReceiverFactory,
  securityReceiverFactory,
  batchProcessorFactory,
  filterProcessorFactory,
  attributesProcessorFactory,
  anomalyProcessorFactory,
  debugExporterFactory,
  fileExporterFactory,
  otlpExporterFactory,
  prometheusExporterFactory,
  metricsToLogsConnectorFactory,
] as const;

/** Registers every built-in factory and returns the registry. */
export function registerBuiltins(registry: Registry): Registry {
  for (const factory of BUILTIN_FACTORIES) registry.register(factory);
  return registry;
}
