import t from 'tap';
import { NEVER } from 'rxjs';
import { defineReceiver } from '../../../core/component';
import { Registry } from '../../../core/registry';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { checkAll, checkConfig, formatVerdicts } from '../../../core/cli/check';
import { debug } from './fixtures';

const kernelOnly = defineReceiver<{ level?: number }>({
  type: 'kernelonly',
  signals: ['metrics'],
  description: 'needs a feature this kernel lacks',
  schema: { type: 'object', additionalProperties: false, properties: { level: { type: 'integer', default: 1, description: 'level' } } },
  probe: (config) => (config.level === 1 ? 'needs a kernel with BPF LSM (not enabled here)' : undefined),
  create: () => ({ batches: NEVER, start: async () => {}, shutdown: async () => {} }),
});

const registry = (): Registry => new Registry().register(kernelOnly).register(debug);
const yaml = (receiver: string): string => [
  'receivers:',
  `  kernelonly: ${receiver}`,
  'exporters:',
  '  debug: {}',
  'service:',
  '  pipelines:',
  '    metrics: { receivers: [kernelonly], exporters: [debug] }',
].join('\n');

t.test('a receiver that cannot run here fails validation with the reason', async (t) => {
  const err = await loadConfigText(yaml('{}'), 'p.yaml', registry()).then(() => undefined, (e: unknown) => e);
  t.ok(isConfigError(err));
  t.equal((err as Error).message,
    'p.yaml:2:3: receivers.kernelonly: receiver "kernelonly" cannot run here: needs a kernel with BPF LSM (not enabled here); fix that, or mark the receiver optional: true to start without it');
});

t.test('an optional one is kept as unavailable and reported by check', async (t) => {
  const config = await loadConfigText(yaml('{ optional: true }'), 'p.yaml', registry());
  const r = config.receivers.get('kernelonly');
  t.equal(r?.unavailable, 'needs a kernel with BPF LSM (not enabled here)');
  t.equal(formatVerdicts(checkConfig(config)), 'kernelonly  cannot run here: needs a kernel with BPF LSM (not enabled here) (optional: skipped at start)\n');
  const ok = await loadConfigText(yaml('{ level: 2 }'), 'p.yaml', registry());
  t.equal(ok.receivers.get('kernelonly')?.unavailable, undefined, 'the probe sees the configured values');
  t.same(checkAll(registry()), [{ id: 'kernelonly', reason: 'needs a kernel with BPF LSM (not enabled here)' }], 'check without a config probes the defaults');
});
