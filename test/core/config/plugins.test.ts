import t from 'tap';
import { join, resolve } from 'node:path';
import { NEVER } from 'rxjs';
import { defineReceiver } from '../../../core/component';
import { ConfigError } from '../../../core/config/errors';
import { loadConfigFile } from '../../../core/config/load';
import { resolvePluginPath } from '../../../core/config/plugins';
import { testRegistry } from './fixtures';

const tcp = defineReceiver({
  type: 'tcp',
  signals: ['metrics'],
  description: 'tcp connections',
  schema: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer', default: 0, description: 'Port filter.' } } },
  create: () => ({ batches: NEVER, start: async () => {}, shutdown: async () => {} }),
});

const CONFIG = [
  'plugins:',
  '  - ./plugins/tcp.js',
  'receivers:',
  '  tcp: { port: 443 }',
  'exporters:',
  '  prometheus:',
  'service:',
  '  pipelines:',
  '    metrics: { receivers: [tcp], exporters: [prometheus] }',
  '',
].join('\n');

t.test('the plugin hook runs before validation, so plugin types are known', async (t) => {
  const dir = t.testdir({ 'pipeline.yaml': CONFIG, plugins: { 'tcp.js': '' } });
  const registry = testRegistry();
  const calls: string[][] = [];
  const config = await loadConfigFile(join(dir, 'pipeline.yaml'), registry, {
    env: {},
    loadPlugins: async (paths) => {
      calls.push(paths);
      registry.register(tcp);
    },
  });
  t.strictSame(calls, [[join(dir, 'plugins', 'tcp.js')]]);
  t.strictSame(config.plugins, [join(dir, 'plugins', 'tcp.js')]);
  t.equal(config.source, join(dir, 'pipeline.yaml'));
  t.strictSame(config.receivers.get('tcp'), { kind: 'receiver', id: 'tcp', type: 'tcp', optional: false, config: { port: 443 } });
});

t.test('without the hook the plugin type is unknown', async (t) => {
  const dir = t.testdir({ 'pipeline.yaml': CONFIG });
  const file = join(dir, 'pipeline.yaml');
  const err = await loadConfigFile(file, testRegistry(), { env: {} }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.strictSame((err as ConfigError).format().split('\n'), [`${file}:4:3: receivers.tcp: unknown receiver type "tcp"; known receiver types: replay, syscall`]);
});

t.test('a failing plugin is reported on its own plugins[i] line, after trying every plugin', async (t) => {
  const dir = t.testdir({
    'pipeline.yaml': ['plugins: [./bad.js, ./tcp.js]', ...CONFIG.split('\n').slice(2)].join('\n'),
    'bad.js': '',
    'tcp.js': '',
  });
  const file = join(dir, 'pipeline.yaml');
  const registry = testRegistry();
  const err = await loadConfigFile(file, registry, {
    env: {},
    loadPlugins: async ([path]) => {
      if (path.endsWith('bad.js')) throw new Error('exports no "factories" array');
      registry.register(tcp);
    },
  }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.strictSame((err as ConfigError).format().split('\n'), [
    `${file}:1:11: plugins[0]: cannot load plugin "./bad.js": exports no "factories" array; check the module at ${join(dir, 'bad.js')} exports component factories`,
  ]);
});

t.test('plugin paths resolve from the config file directory', async (t) => {
  const dir = t.testdir({ local: { 'p.js': '' } });
  t.equal(resolvePluginPath('./local/p.js', dir), join(dir, 'local', 'p.js'));
  t.equal(resolvePluginPath('../x.js', join(dir, 'local')), join(dir, 'x.js'));
  t.equal(resolvePluginPath('/opt/plugins/p.js', dir), '/opt/plugins/p.js');
  t.equal(resolvePluginPath('yaml', dir), require.resolve('yaml'), 'a bare package name is resolved like require()');
  t.equal(resolvePluginPath('local/p.js', dir), join(dir, 'local', 'p.js'), 'a path without ./ falls back to a file under the directory');
  t.equal(resolvePluginPath('no-such-package-ebpf-pipeline', dir), undefined);
});

t.test('an unresolvable plugin is a problem on its line', async (t) => {
  const dir = t.testdir({ 'pipeline.yaml': ['plugins:', '  - no-such-package-ebpf-pipeline', ...CONFIG.split('\n').slice(2)].join('\n') });
  const file = join(dir, 'pipeline.yaml');
  let called = false;
  const err = await loadConfigFile(file, testRegistry(), { env: {}, loadPlugins: async () => { called = true; } }).catch((e: unknown) => e);
  t.equal(called, false, 'the hook only gets resolved paths');
  t.strictSame((err as ConfigError).format().split('\n'), [
    `${file}:2:5: plugins[0]: cannot find plugin module "no-such-package-ebpf-pipeline" from ${dir}; install the package or write a path starting with ./`,
    `${file}:4:3: receivers.tcp: unknown receiver type "tcp"; known receiver types: replay, syscall`,
  ]);
});

t.test('a missing config file is a ConfigError without a line', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'nope.yaml');
  const err = await loadConfigFile(file, testRegistry()).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.equal((err as ConfigError).exitCode, 2);
  t.strictSame((err as ConfigError).format(), `${file}: cannot read config file ${file}: ENOENT: no such file or directory, open '${file}'; check the path given with --config`);
});

t.test('problems name the file as given, the resolved config names it absolutely', async (t) => {
  const dir = t.testdir({ 'p.yaml': CONFIG.replace('  - ./plugins/tcp.js', '  - ./plugins/tcp.js\n  - 5') });
  const relative = join(dir, 'p.yaml').slice(process.cwd().length + 1);
  t.not(relative, resolve(relative), 'the test dir is under the cwd');
  const err = await loadConfigFile(relative, testRegistry(), { env: {} }).catch((e: unknown) => e);
  t.strictSame((err as ConfigError).format().split('\n'), [
    `${relative}:3:5: plugins[1]: must be string, got number 5`,
    `${relative}:5:3: receivers.tcp: unknown receiver type "tcp"; known receiver types: replay, syscall`,
  ]);
});
