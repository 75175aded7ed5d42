import t from 'tap';
import { compileSchema } from '../../../core/config/ajv';
import { createOtelApiExporterFactory } from '../../../exporters/otel_api';
import { readmeExampleConfig } from '../otel/readme-example';

const factory = createOtelApiExporterFactory({});

t.test('the README example parses to the whole expected config', async (t) => {
  t.strictSame(readmeExampleConfig('otel_api', 'otel_api', factory.schema), { max_series: 10000, metric_expiration: '5m', histograms: 'count_sum' });
});

t.test('defaults, refusals, and no signals without providers', async (t) => {
  const validate = compileSchema(factory.schema);
  const empty: Record<string, unknown> = {};
  t.equal(validate(empty), true);
  t.strictSame(empty, { max_series: 10000, metric_expiration: '5m', histograms: 'count_sum' });
  t.equal(validate({ histograms: 'buckets' }), false);
  t.strictSame(validate.errors?.map((e) => e.instancePath), ['/histograms']);
  t.strictSame(factory.signals, []);
});
