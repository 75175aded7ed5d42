/** The `otel_api` exporter factory maker (for embedding the agent in an instrumented Node application). */
import { defineExporter } from '../../core/component';
import type { ExporterFactory } from '../../core/component';
import type { Signal } from '../../core/signals';
import { otelApiSchema } from './config';
import type { OtelApiConfig } from './config';
import { OtelApiExporter } from './exporter';
import type { HostProviders } from './exporter';

export type { HostProviders } from './exporter';

/**
 * Makes an `otel_api` exporter factory bound to one application's providers.
 * The embedding API registers one per collector instance, so several
 * collectors in one process can feed different providers. The factory's
 * signals are those a provider was given for.
 */
export function createOtelApiExporterFactory(providers: HostProviders): ExporterFactory<OtelApiConfig> {
  const signals: Signal[] = [];
  if (providers.meterProvider) signals.push('metrics');
  if (providers.loggerProvider) signals.push('logs');
  if (providers.tracerProvider) signals.push('traces');
  const bound: HostProviders = { ...providers };
  return defineExporter<OtelApiConfig>({
    type: 'otel_api',
    signals,
    schema: otelApiSchema,
    description: "the host application's OpenTelemetry providers (meter, tracer, logger)",
    create: (config, ctx) => new OtelApiExporter(config, bound, ctx),
  });
}
