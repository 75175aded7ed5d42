import t from 'tap';
import { compileSchema } from '../../../core/config/ajv';
import { otlpExporterFactory } from '../../../exporters/otlp';
import { readmeExampleConfig } from '../otel/readme-example';

t.test('the README example parses to the whole expected config', async (t) => {
  t.strictSame(readmeExampleConfig('otlp', 'otlp', otlpExporterFactory.schema), {
    endpoint: 'collector.example:4317',
    headers: { authorization: 'Bearer ${env:OTLP_TOKEN}' },
    tls: { insecure: false, ca_file: '/etc/ssl/otlp-ca.pem', cert_file: 'client.pem', key_file: 'client-key.pem', insecure_skip_verify: false },
    compression: 'gzip',
    timeout: '5s',
  });
});

t.test('defaults, and what the schema refuses', async (t) => {
  const validate = compileSchema(otlpExporterFactory.schema);
  const minimal: Record<string, unknown> = { endpoint: 'localhost:4317' };
  t.equal(validate(minimal), true);
  t.strictSame(minimal, { endpoint: 'localhost:4317', tls: { insecure: false, insecure_skip_verify: false }, compression: 'gzip', timeout: '5s' });
  t.equal(validate({}), false);
  t.strictSame(validate.errors?.map((e) => e.params), [{ missingProperty: 'endpoint' }]);
  t.equal(validate({ endpoint: 'x:1', compression: 'zstd', timeout: 'soon', tls: { verify: true } }), false);
  t.strictSame(validate.errors?.map((e) => e.instancePath).sort(), ['/compression', '/timeout', '/tls']);
  t.strictSame(otlpExporterFactory.signals, ['metrics', 'logs', 'traces']);
});
