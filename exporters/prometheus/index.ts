/** The `prometheus` exporter factory. */
import { defineExporter } from '../../core/component';
import { prometheusSchema } from './config';
import type { PrometheusConfig } from './config';
import { PrometheusExporter } from './exporter';

/** Serves the metrics it receives, made cumulative, as a Prometheus `/metrics` page. */
export const prometheusExporterFactory = defineExporter<PrometheusConfig>({
  type: 'prometheus',
  signals: ['metrics'],
  schema: prometheusSchema,
  description: 'Prometheus /metrics page (cumulative state of the metrics received)',
  create: (config, ctx) => new PrometheusExporter(config, ctx),
});
