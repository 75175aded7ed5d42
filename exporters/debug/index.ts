/** The `debug` exporter factory. */
import { defineExporter } from '../../core/component';
import { debugExporterSchema, type DebugExporterConfig } from './config';
import { DebugExporter } from './exporter';

/** Prints metrics, logs and traces to stderr, human-readable, at `basic`, `normal` or `detailed` verbosity. */
export const debugExporterFactory = defineExporter<DebugExporterConfig>({
  type: 'debug',
  signals: ['metrics', 'logs', 'traces'],
  schema: debugExporterSchema,
  description: 'human-readable records on stderr',
  create: (config, ctx) => new DebugExporter(config, ctx),
});
