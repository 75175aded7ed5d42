/** The tcp receiver's config: the README example through the real loader, defaults, bad input. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { tcpReceiverFactory } from '../../../receivers/tcp';
import type { TcpConfig } from '../../../receivers/tcp/config';

function registry(): Registry {
  const r = registerBuiltins(new Registry());
  if (!r.get('receiver', 'tcp')) r.register(tcpReceiverFactory);
  return r;
}

const README = readFileSync(join(__dirname, '../../../receivers/tcp/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];

function validate(config: unknown): { config: unknown; problems: unknown[] } {
  const check = compileSchema(tcpReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: tcpReceiverFactory.validate?.(data as TcpConfig) ?? [] };
}

const DEFAULTS = {
  collection_interval: '10s',
  peer_attributes: false,
  connection_events: true,
  pids: [],
  comms: [],
  ports: [],
  ignore_loopback: false,
  rtt_sample_interval: '100ms',
  max_series: 10000,
  max_entries: 10240,
  max_connections: 65536,
  include_self: false,
};

t.test('the README example loads and parses to the whole expected config', async (t) => {
  const config = await loadConfigText(example, 'README.md', registry(), { env: {} });
  t.same(config.receivers.get('tcp')?.config, { ...DEFAULTS, ports: [443, 5432], peer_attributes: true, max_series: 2000 });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['metrics', ['tcp']], ['traces', ['tcp']], ['logs', ['tcp']]]);
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

t.test('an invalid port is a config error naming file, line and path', async (t) => {
  for (const port of [0, 65536, -1, 80.5, '80']) t.ok(validate({ ports: [port] }).problems.length > 0, `port ${JSON.stringify(port)}`);
  const yaml = [
    'receivers:',
    '  tcp:',
    '    ports: [443, 70000]',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [tcp], exporters: [debug] }',
  ].join('\n');
  const err = await loadConfigText(yaml, 'p.yaml', registry(), { env: {} }).then(() => undefined, (e: unknown) => e);
  t.ok(isConfigError(err), 'the loader refuses it');
  t.match((err as Error).message, /p\.yaml:3:\d+: receivers\.tcp\.ports\[1\]: must be <= 65535/);
});

t.test('wrong types and unknown keys are refused by the schema', async (t) => {
  t.ok(validate({ peer_attributes: 'yes' }).problems.length > 0, 'peer_attributes not a boolean');
  t.ok(validate({ pids: [0] }).problems.length > 0, 'pid 0');
  t.ok(validate({ comms: ['a-name-longer-than-15'] }).problems.length > 0, 'comm too long');
  t.ok(validate({ max_series: 0 }).problems.length > 0, 'max_series 0');
  t.ok(validate({ ports: [80, 80] }).problems.length > 0, 'duplicate port');
  t.ok(validate({ port: [80] }).problems.length > 0, 'unknown key');
  t.same(validate({ collection_interval: '0s' }).problems, [{ path: '/collection_interval', message: 'must be more than 0' }]);
});
