import t from 'tap';
import { expandString, inferScalar } from '../../../core/config/env';
import { loadConfigText } from '../../../core/config/load';
import { ConfigError } from '../../../core/config/errors';
import { protectReferences, restoreReferences } from '../../../core/config/references';
import { testRegistry } from './fixtures';

const yaml = (...lines: string[]): string => lines.join('\n') + '\n';

t.test('expandString', async (t) => {
  const env = { HOST: 'otel', PORT: '4317', EMPTY: '' };
  t.strictSame(expandString('${env:HOST}:${env:PORT}', env), { value: 'otel:4317', whole: false, problems: [] });
  t.strictSame(expandString('${env:PORT}', env), { value: '4317', whole: true, problems: [] });
  t.strictSame(expandString('${env:NOPE:-localhost:4317}', env), { value: 'localhost:4317', whole: true, problems: [] });
  t.strictSame(expandString('${env:EMPTY:-x}', env).value, 'x', 'an empty variable takes the default');
  t.strictSame(expandString('a${env:EMPTY}b', env).value, 'ab', 'an empty variable without default is empty');
  t.strictSame(expandString('$$HOME costs $$5, $${env:HOST}', env), { value: '$HOME costs $5, ${env:HOST}', whole: false, problems: [] });
  t.strictSame(expandString('price $5', env).value, 'price $5', 'a lone $ stays');
  t.strictSame(expandString('${env:NOPE}', env).problems, [{ message: 'environment variable NOPE is not set', hint: 'set it or write ${env:NOPE:-default}' }]);
  t.strictSame(expandString('${HOST}', env).problems, [
    { message: 'unsupported reference "${HOST}"', hint: 'only ${env:NAME} and ${env:NAME:-default} are expanded; write $$ for a literal $' },
  ]);
  t.strictSame(expandString('x ${env:HOST', env).problems, [{ message: 'unterminated reference "${env:HOST"', hint: 'close it with } or write $$ for a literal $' }]);
});

t.test('inferScalar reads a value as unquoted YAML would', async (t) => {
  t.equal(inferScalar('9464'), 9464);
  t.equal(inferScalar('1.5'), 1.5);
  t.equal(inferScalar('true'), true);
  t.equal(inferScalar('null'), null);
  t.equal(inferScalar('1s'), '1s');
  t.equal(inferScalar(''), '');
  t.equal(inferScalar('#not a comment'), '#not a comment');
  t.equal(inferScalar('[a, b]'), '[a, b]', 'collections stay strings');
  t.equal(inferScalar('*alias'), '*alias', 'unparsable text stays a string');
});

t.test('protectReferences keeps offsets and lets references stand in flow collections', async (t) => {
  const text = '{ a: ${env:X}, b: $${y}, c: ${unclosed\n}';
  const protectedText = protectReferences(text);
  t.equal(protectedText.length, text.length);
  t.equal(restoreReferences(protectedText), text);
  t.equal(protectedText, '{ a: \uE000\uE001env:X\uE002, b: $${y}, c: ${unclosed\n}', '$$ and a reference without } on its line are left alone');
});

const SERVICE = ['service:', '  pipelines:', '    metrics: { receivers: [syscall], exporters: [prometheus] }'];

t.test('env references in the config: set, default, typed re-inference, quoting, $$ and flow mappings', async (t) => {
  const config = await loadConfigText(
    yaml(
      'receivers:',
      '  syscall:',
      '    max_entries: ${env:ENTRIES}',
      '    latency: ${env:LATENCY:-true}',
      '    collection_interval: "${env:INTERVAL:-1s}"',
      'exporters:',
      '  prometheus: { endpoint: ${env:HOST}:${env:PORT}, max_size: "${env:SIZE}" }',
      '  debug:',
      '    verbosity: ${env:V:-basic}',
      ...SERVICE,
    ),
    'test.yaml',
    testRegistry(),
    { env: { ENTRIES: '2048', HOST: '0.0.0.0', PORT: '9464', SIZE: '1024' } },
  );
  t.strictSame(config.receivers.get('syscall')?.config, { max_entries: 2048, latency: true, collection_interval: '1s' });
  const prometheus = config.exporters.get('prometheus')?.config;
  t.equal(prometheus?.endpoint, '0.0.0.0:9464', 'the design example: a reference unquoted in a flow mapping');
  t.equal(prometheus?.max_size, '1024', 'a quoted reference stays a string');
  t.equal(config.exporters.get('debug')?.config.verbosity, 'basic');
});

t.test('$$ is a literal $ and is not expanded', async (t) => {
  const config = await loadConfigText(
    yaml('receivers: { syscall: }', 'processors:', '  filter: { drop: "$${env:X} == $$1" }', 'exporters: { prometheus: }', 'service:', '  pipelines:', '    metrics: { receivers: [syscall], processors: [filter], exporters: [prometheus] }'),
    'test.yaml',
    testRegistry(),
    { env: { X: 'expanded' } },
  );
  t.equal(config.processors.get('filter')?.config.drop, '${env:X} == $1');
});

t.test('an unset variable is an error at its line; follow-up schema errors on that value are not repeated', async (t) => {
  const err = await loadConfigText(
    yaml('receivers:', '  syscall:', '    max_entries: ${env:ENTRIES}', '    latency: ${NAME}', 'exporters:', '  prometheus: { endpoint: ${env:OTLP_ENDPOINT} }', ...SERVICE),
    'test.yaml',
    testRegistry(),
    { env: {} },
  ).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.strictSame((err as ConfigError).format().split('\n'), [
    'test.yaml:3:18: receivers.syscall.max_entries: environment variable ENTRIES is not set; set it or write ${env:ENTRIES:-default}',
    'test.yaml:4:14: receivers.syscall.latency: unsupported reference "${NAME}"; only ${env:NAME} and ${env:NAME:-default} are expanded; write $$ for a literal $',
    'test.yaml:6:27: exporters.prometheus.endpoint: environment variable OTLP_ENDPOINT is not set; set it or write ${env:OTLP_ENDPOINT:-default}',
  ]);
});

t.test('process.env is the default environment', async (t) => {
  process.env.EBPF_PIPELINE_TEST_ENTRIES = '77';
  t.teardown(() => delete process.env.EBPF_PIPELINE_TEST_ENTRIES);
  const config = await loadConfigText(
    yaml('receivers:', '  syscall: { max_entries: ${env:EBPF_PIPELINE_TEST_ENTRIES} }', 'exporters: { prometheus: }', ...SERVICE),
    'test.yaml',
    testRegistry(),
  );
  t.equal(config.receivers.get('syscall')?.config.max_entries, 77);
});
