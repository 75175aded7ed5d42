/** The `file` exporter factory. */
import { defineExporter } from '../../core/component';
import { fileExporterSchema, type FileExporterConfig } from './config';
import { FileExporter } from './exporter';

/** Writes metrics, logs and traces to a file as OTLP/JSON lines (one export request per batch), rotating by size. */
export const fileExporterFactory = defineExporter<FileExporterConfig>({
  type: 'file',
  signals: ['metrics', 'logs', 'traces'],
  schema: fileExporterSchema,
  description: 'OTLP/JSON lines to a file, with size-based rotation',
  create: (config, ctx) => new FileExporter(config, ctx),
});
