/** The perf receiver's config: the README example through the real loader, defaults, bad input. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { perfReceiverFactory } from '../../../receivers/perf';
import type { PerfConfig } from '../../../receivers/perf/config';

const README = readFileSync(join(__dirname, '../../../receivers/perf/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];

/** Schema (defaults filled in) then validate(), as the loader does. */
function validate(config: unknown): { config: unknown; problems: unknown[] } {
  const check = compileSchema(perfReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: perfReceiverFactory.validate?.(data as PerfConfig) ?? [] };
}

const DEFAULTS = {
  frequency: 49,
  collection_interval: '10s',
  pids: [],
  comms: [],
  include_kernel: true,
  include_idle: false,
  max_entries: 10240,
  profiles: { directory: './profiles', formats: ['pprof', 'folded', 'html'], max_files: 100 },
  max_series: 10000,
};

t.test('the README example loads and parses to the whole expected config', async (t) => {
  const config = await loadConfigText(example, 'README.md', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('perf')?.config, {
    ...DEFAULTS,
    collection_interval: '30s',
    comms: ['nginx', 'postgres'],
    profiles: { directory: '/var/lib/ebpf-pipeline/profiles', formats: ['pprof', 'html'], max_files: 48 },
  });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['metrics', ['perf']]]);
});

t.test('configs/profile.yaml loads', async (t) => {
  const text = readFileSync(join(__dirname, '../../../configs/profile.yaml'), 'utf8');
  const config = await loadConfigText(text, 'profile.yaml', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('perf')?.config, {
    ...DEFAULTS,
    collection_interval: '60s',
    profiles: { directory: './profiles', formats: ['pprof', 'folded', 'html'], max_files: 60 },
  });
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

t.test('bad values are refused, naming the path', async (t) => {
  t.ok(validate({ frequency: 0 }).problems.length > 0, 'frequency 0');
  t.ok(validate({ frequency: 10001 }).problems.length > 0, 'frequency above 10000');
  t.ok(validate({ frequency: 49.5 }).problems.length > 0, 'frequency not an integer');
  t.ok(validate({ pids: [0] }).problems.length > 0, 'pid 0');
  t.ok(validate({ comms: ['a-name-longer-than-15'] }).problems.length > 0, 'comm too long');
  t.ok(validate({ profiles: { formats: ['svg'] } }).problems.length > 0, 'unknown format');
  t.ok(validate({ include_kernal: true }).problems.length > 0, 'unknown key');
  t.same(validate({ collection_interval: '0s' }).problems, [{ path: '/collection_interval', message: 'must be more than 0' }]);
  const yaml = ['receivers:', '  perf:', '    frequency: 0', 'exporters:', '  debug: {}', 'service:', '  pipelines:',
    '    metrics: { receivers: [perf], exporters: [debug] }'].join('\n');
  const err = await loadConfigText(yaml, 'p.yaml', registerBuiltins(new Registry()), { env: {} }).then(() => undefined, (e: unknown) => e);
  t.ok(isConfigError(err), 'the loader refuses it');
  t.match((err as Error).message, /p\.yaml:3:\d+: .*frequency/);
});
