/** The syscall receiver's config: the README example through the real loader, defaults, bad input. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { syscallReceiverFactory, validateSyscallConfig } from '../../../receivers/syscall';
import type { SyscallConfig } from '../../../receivers/syscall/config';

function registry(): Registry {
  const r = registerBuiltins(new Registry());
  if (!r.get('receiver', 'syscall')) r.register(syscallReceiverFactory);
  return r;
}

const README = readFileSync(join(__dirname, '../../../receivers/syscall/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];

/** Schema (defaults filled in) then validate(), as the loader does. */
function validate(config: unknown): { config: unknown; problems: unknown[] } {
  const check = compileSchema(syscallReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: syscallReceiverFactory.validate?.(data as SyscallConfig) ?? [] };
}

const DEFAULTS = {
  collection_interval: '10s',
  per_process: false,
  latency: true,
  pids: [],
  comms: [],
  syscalls: [],
  failed_only: false,
  slow_threshold: '0s',
  max_entries: 10240,
  include_self: false,
};

t.test('the README example loads and parses to the whole expected config', async (t) => {
  const config = await loadConfigText(example, 'README.md', registry(), { env: {} });
  const r = config.receivers.get('syscall');
  t.ok(r);
  t.same(r?.config, {
    ...DEFAULTS,
    collection_interval: '10s',
    per_process: true,
    comms: ['nginx', 'postgres'],
    syscalls: ['read', 'write', 'openat', 'fsync'],
    slow_threshold: '10ms',
  });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['metrics', ['syscall']], ['traces', ['syscall']]]);
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

t.test('an unknown syscall name is a config error with a suggestion', async (t) => {
  t.same(validateSyscallConfig({ syscalls: ['read', 'getpid2'] }, 'x64'), [
    { path: '/syscalls/1', message: 'unknown syscall "getpid2"; did you mean "getpid"?' },
  ]);
  t.same(validateSyscallConfig({ syscalls: ['open'] }, 'arm64'), [
    { path: '/syscalls/0', message: 'unknown syscall "open"; did you mean "openat"?' },
  ], 'arm64 has no open(2)');
  t.same(validateSyscallConfig({ syscalls: ['zzzzzzzz'] }, 'x64'), [{ path: '/syscalls/0', message: 'unknown syscall "zzzzzzzz"' }]);

  const yaml = [
    'receivers:',
    '  syscall:',
    '    syscalls: [read, getpid2]',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [syscall], exporters: [debug] }',
  ].join('\n');
  const err = await loadConfigText(yaml, 'p.yaml', registry(), { env: {} }).then(() => undefined, (e: unknown) => e);
  t.ok(isConfigError(err), 'the loader refuses it');
  t.match((err as Error).message, /p\.yaml:3:\d+: .*syscalls.*unknown syscall "getpid2"; did you mean "getpid"\?/);
});

t.test('wrong types and unknown keys are refused by the schema', async (t) => {
  t.ok(validate({ latency: 'yes' }).problems.length > 0, 'latency not a boolean');
  t.ok(validate({ pids: [0] }).problems.length > 0, 'pid 0');
  t.ok(validate({ comms: ['a-name-longer-than-15'] }).problems.length > 0, 'comm too long');
  t.ok(validate({ slow_threshold: 'slow' }).problems.length > 0, 'bad duration');
  t.ok(validate({ max_entries: 0 }).problems.length > 0, 'max_entries 0');
  t.ok(validate({ per_proces: true }).problems.length > 0, 'unknown key');
  t.same(validate({ collection_interval: '0s' }).problems, [{ path: '/collection_interval', message: 'must be more than 0' }]);
});
