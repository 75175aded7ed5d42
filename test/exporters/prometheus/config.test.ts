import t from 'tap';
import { compileSchema } from '../../../core/config/ajv';
import { prometheusExporterFactory } from '../../../exporters/prometheus';
import { readmeExampleConfig } from '../otel/readme-example';

t.test('the README example parses to the whole expected config', async (t) => {
  t.strictSame(readmeExampleConfig('prometheus', 'prometheus', prometheusExporterFactory.schema), {
    endpoint: '127.0.0.1:9464',
    path: '/metrics',
    metric_expiration: '5m',
    max_series: 10000,
    resource_to_telemetry_conversion: { enabled: false },
  });
});

t.test('defaults, and what the schema refuses', async (t) => {
  const validate = compileSchema(prometheusExporterFactory.schema);
  const empty: Record<string, unknown> = {};
  t.equal(validate(empty), true);
  t.strictSame(empty, { endpoint: '127.0.0.1:9464', path: '/metrics', resource_to_telemetry_conversion: { enabled: false }, metric_expiration: '5m', max_series: 10000 });
  t.equal(validate({ endpoint: 'nowhere', path: 'metrics', max_series: 0, metric_expiration: '5 minutes', extra: 1 }), false);
  t.strictSame(validate.errors?.map((e) => e.instancePath || e.params.additionalProperty).sort(), ['/endpoint', '/max_series', '/metric_expiration', '/path', 'extra']);
  t.strictSame(prometheusExporterFactory.signals, ['metrics']);
});
