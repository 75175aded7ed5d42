/** The `otlp` exporter factory. */
import { defineExporter } from '../../core/component';
import type { ConfigProblem } from '../../core/component';
import { otlpSchema } from './config';
import type { OtlpConfig } from './config';
import { tryParseOtlpEndpoint } from './endpoint';
import { OtlpExporter } from './exporter';

/** Sends metrics, logs and traces over OTLP/gRPC with the official OpenTelemetry exporters. */
export const otlpExporterFactory = defineExporter<OtlpConfig>({
  type: 'otlp',
  signals: ['metrics', 'logs', 'traces'],
  schema: otlpSchema,
  description: 'OTLP over gRPC (metrics, logs, traces)',
  validate(config): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (!tryParseOtlpEndpoint(config.endpoint)) {
      problems.push({ path: '/endpoint', message: `"${config.endpoint}" is not host:port, http://host:port or https://host:port (port 1-65535)` });
    }
    const tls = config.tls ?? {};
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
      problems.push({ path: tls.cert_file === undefined ? '/tls/cert_file' : '/tls/key_file', message: 'cert_file and key_file go together' });
    }
    return problems;
  },
  create: (config, ctx) => new OtlpExporter(config, ctx),
});
