/** The alloc receiver's config: the README example through the real loader, defaults, bad input. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { allocReceiverFactory, probeAlloc } from '../../../receivers/alloc';
import type { AllocConfig } from '../../../receivers/alloc/config';

const README = readFileSync(join(__dirname, '../../../receivers/alloc/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];
const canRun = probeAlloc({}) === undefined;

/** Schema (defaults filled in) then validate(), as the loader does. */
function validate(config: unknown): { config: unknown; problems: unknown[] } {
  const check = compileSchema(allocReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: allocReceiverFactory.validate?.(data as AllocConfig) ?? [] };
}

const DEFAULTS = {
  collection_interval: '10s',
  pids: [],
  comms: [],
  sample_every: 1,
  min_age: '5s',
  top_k: 10,
  max_entries: 65536,
  max_stacks: 4096,
  max_processes: 4096,
  mmap: false,
  kernel: false,
  max_kernel_sites: 4096,
  max_series: 10000,
};

t.test('the README example loads and parses to the whole expected config', { skip: canRun ? false : probeAlloc({}) }, async (t) => {
  const config = await loadConfigText(example, 'README.md', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('alloc')?.config, {
    ...DEFAULTS, comms: ['myservice'], sample_every: 16, min_age: '30s', top_k: 5,
    profiles: { directory: '/var/tmp/alloc-profiles', formats: ['pprof', 'html'], max_files: 100 },
  });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['metrics', ['alloc']], ['logs', ['alloc']]]);
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

async function loadError(receiver: string): Promise<string> {
  const text = `receivers:\n  alloc:\n${receiver}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    metrics: { receivers: [alloc], exporters: [debug] }\n`;
  try {
    await loadConfigText(text, 'alloc.yaml', registerBuiltins(new Registry()), { env: {} });
  } catch (err) {
    if (isConfigError(err)) return err.message;
    throw err;
  }
  return '';
}

t.test('bad input names the setting', async (t) => {
  t.match(await loadError('    sample_every: 0'), /alloc\.yaml:3:\d+.*sample_every.*must be >= 1/s);
  t.match(await loadError('    binary: /nonexistent/prog'), /alloc\.yaml:3:\d+.*binary.*\/nonexistent\/prog does not exist/s);
  t.match(await loadError('    libc: /etc/hostname'), /alloc\.yaml:3:\d+.*libc.*\/etc\/hostname is not an ELF file/s);
  t.match(await loadError('    collection_interval: 0s'), /collection_interval.*must be more than 0/s);
  t.match(await loadError('    top_k: 0'), /top_k.*must be >= 1/s);
  t.match(await loadError('    brk: true'), /brk/);
  t.match(await loadError('    profiles: { formats: [svg] }'), /alloc\.yaml:3:\d+: receivers\.alloc\.profiles\.formats\[0\]: must be one of "pprof", "folded", "html"/);
  if (canRun) t.match(await loadError('    pids: [999999999]'), /receiver "alloc" cannot run here: pids: process 999999999 does not exist/);
});
