/** Adds the `otel_api` exporter to every pipeline whose signal the host application can take. */
import type { ResolvedConfig } from '../config/model';
import type { Signal } from '../signals';

/** The id of the exporter that feeds the host application's providers. */
export const HOST_EXPORTER_ID = 'otel_api';

/** Which host providers were given. */
export interface HostProviders { meterProvider?: unknown; tracerProvider?: unknown; loggerProvider?: unknown }

/** Mutates `config` so each pipeline with a matching provider also exports through `otel_api`. */
export function addHostExporter(config: ResolvedConfig, providers: HostProviders): void {
  const accepts: Record<Signal, boolean> = {
    metrics: providers.meterProvider !== undefined,
    traces: providers.tracerProvider !== undefined,
    logs: providers.loggerProvider !== undefined,
  };
  if (!config.exporters.has(HOST_EXPORTER_ID)) {
    config.exporters.set(HOST_EXPORTER_ID, { kind: 'exporter', id: HOST_EXPORTER_ID, type: HOST_EXPORTER_ID, config: {} });
  }
  for (const pipeline of config.pipelines) {
    if (accepts[pipeline.signal] && !pipeline.exporters.includes(HOST_EXPORTER_ID)) pipeline.exporters.push(HOST_EXPORTER_ID);
  }
}
