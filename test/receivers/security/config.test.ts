/** The security receiver's config: the README example through the real loader, defaults, bad input. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { securityReceiverFactory, validateSecurityConfig } from '../../../receivers/security';
import { DEFAULT_WATCHED_PATHS, type SecurityConfig } from '../../../receivers/security/config';

const README = readFileSync(join(__dirname, '../../../receivers/security/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];

function validate(config: unknown): { config: unknown; problems: unknown[] } {
  const check = compileSchema(securityReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: securityReceiverFactory.validate?.(data as SecurityConfig) ?? [] };
}

const DEFAULTS = {
  watched_paths: [...DEFAULT_WATCHED_PATHS],
  ancestry_depth: 5,
  rate_limit: { events_per_second: 1000, burst: 2000 },
  max_args_bytes: 1024,
  process_table_size: 32768,
  exited_grace: '30s',
  ring_buffer_size: 4194304,
  stash_size: 8192,
  collection_interval: '1s',
  include_self: false,
};

t.test('the README example loads and parses to the whole expected config', async (t) => {
  const config = await loadConfigText(example, 'README.md', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('security')?.config, {
    ...DEFAULTS,
    events: ['process.exec', 'process.exit', 'file.open', 'process.privilege_change', 'security.events_dropped'],
    watched_paths: ['/etc/', '/root/.ssh/', '/usr/bin/', '/var/log/'],
    ancestry_depth: 4,
    rate_limit: { events_per_second: 500, burst: 1000 },
    max_args_bytes: 2048,
  });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['logs/security', ['security']]]);
});

t.test('configs/security.yaml loads', async (t) => {
  const text = readFileSync(join(__dirname, '../../../configs/security.yaml'), 'utf8');
  const config = await loadConfigText(text, 'security.yaml', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('security')?.config, DEFAULTS);
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

t.test('an unknown event name is named with a suggestion', async (t) => {
  const problems = validateSecurityConfig({ events: ['process.exec', 'file.opne'] });
  t.equal(problems.length, 1);
  t.equal(problems[0].path, '/events/1');
  t.match(problems[0].message, /unknown event "file.opne"; did you mean "file.open"\?/);
});

t.test('bad watched path prefixes', async (t) => {
  const problems = validateSecurityConfig({ watched_paths: ['/etc/', 'etc/', `/${'a'.repeat(300)}`, '/a\0b'] });
  t.same(problems.map((p) => p.path), ['/watched_paths/1', '/watched_paths/2', '/watched_paths/3']);
  t.match(problems[0].message, /not an absolute path prefix/);
  t.match(problems[1].message, /longer than 255 bytes/);
  t.match(problems[2].message, /NUL/);
});

t.test('sizes and durations', async (t) => {
  t.match(validateSecurityConfig({ ring_buffer_size: 3 * 4096 }), [{ path: '/ring_buffer_size', message: /power of two/ }]);
  t.match(validateSecurityConfig({ collection_interval: '0s' }), [{ path: '/collection_interval' }]);
  t.ok(validate({ max_args_bytes: 5000 }).problems.length > 0, 'max_args_bytes is at most 4096');
  t.ok(validate({ rate_limit: { burst: 0 } }).problems.length > 0, 'a burst of at least 1');
  t.ok(validate({ bogus: 1 }).problems.length > 0, 'unknown keys are refused');
});

t.test('the loader reports a bad event name with file, line and path', async (t) => {
  const text = 'receivers:\n  security:\n    events: [process.exce]\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    logs: { receivers: [security], exporters: [debug] }\n';
  try {
    await loadConfigText(text, 'bad.yaml', registerBuiltins(new Registry()), { env: {} });
    t.fail('should have thrown');
  } catch (err) {
    t.ok(isConfigError(err), 'a config error, not a crash');
    t.match((err as Error).message, /bad\.yaml:3:\d+: receivers\.security\.events\[0\]: unknown event "process\.exce"; did you mean "process\.exec"/);
  }
});
