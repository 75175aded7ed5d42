/** The blockio receiver's config: the README example and configs/blockio.yaml through the real loader, defaults, bad input. */
import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { isConfigError } from '../../../core/config/errors';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { blockioReceiverFactory, validateBlockioConfig } from '../../../receivers/blockio';
import type { BlockioConfig } from '../../../receivers/blockio/config';
import { deviceNames, kernelDev, listBlockDevices, majorMinor, resolveDevices } from '../../../receivers/blockio/devices';

const ROOT = join(__dirname, '../../..');
const README = readFileSync(join(ROOT, 'receivers/blockio/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];

function validate(config: unknown, sys?: string): { config: unknown; problems: unknown[] } {
  const check = compileSchema(blockioReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: validateBlockioConfig(data as BlockioConfig, sys) };
}

const DEFAULTS = {
  collection_interval: '10s',
  devices: [],
  queue_time: false,
  slow_threshold: '0s',
  max_entries: 1024,
  max_in_flight: 10240,
  max_series: 10000,
};

/** A fake /sys/class/block: disks vda (254:0) and sda (8:0), partition sda1 (8:1) under sda. */
function fakeSysfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'blockio-sysfs-'));
  const devices = join(root, 'devices');
  const cls = join(root, 'class');
  mkdirSync(cls);
  for (const [path, dev, partition] of [['vda', '254:0', false], ['sda', '8:0', false], ['sda/sda1', '8:1', true]] as const) {
    mkdirSync(join(devices, path), { recursive: true });
    writeFileSync(join(devices, path, 'dev'), `${dev}\n`);
    if (partition) writeFileSync(join(devices, path, 'partition'), '1\n');
    symlinkSync(join(devices, path), join(cls, path.split('/').pop() as string));
  }
  return root;
}

const noVda = listBlockDevices().some((d) => d.name === 'vda' && !d.disk) ? false : 'the README example names the disk vda, which this machine does not have';
t.test('the README example loads and parses to the whole expected config', { skip: noVda }, async (t) => {
  const config = await loadConfigText(example, 'README.md', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('blockio')?.config, { ...DEFAULTS, devices: ['vda'], queue_time: true, slow_threshold: '50ms' });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['metrics', ['blockio']], ['traces', ['blockio']]]);
});

t.test('configs/blockio.yaml loads', async (t) => {
  const text = readFileSync(join(ROOT, 'configs/blockio.yaml'), 'utf8');
  const config = await loadConfigText(text, 'configs/blockio.yaml', registerBuiltins(new Registry()), { env: {} });
  t.same(config.receivers.get('blockio')?.config, { ...DEFAULTS, queue_time: true, slow_threshold: '20ms' });
  t.same(config.pipelines.map((p) => [p.id, p.receivers]), [['metrics', ['blockio']], ['traces', ['blockio']]]);
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

t.test('device names: sysfs numbers, kernel dev_t, unknown names and partitions', async (t) => {
  const root = fakeSysfs();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const sys = join(root, 'class');
  t.same(listBlockDevices(sys), [
    { name: 'sda', major: 8, minor: 0 },
    { name: 'sda1', major: 8, minor: 1, disk: 'sda' },
    { name: 'vda', major: 254, minor: 0 },
  ]);
  t.equal(kernelDev(254, 0), 254 << 20);
  t.equal(majorMinor(kernelDev(259, 3)), '259:3');
  t.same(deviceNames(sys), new Map([[kernelDev(8, 0), 'sda'], [kernelDev(8, 1), 'sda1'], [kernelDev(254, 0), 'vda']]));
  t.same(resolveDevices(['vda', 'sda'], sys), { devs: [kernelDev(254, 0), kernelDev(8, 0)], problems: [] });
  t.same(validate({ devices: ['vda', 'vdb', 'sda1', 'nvme0n1'] }, sys).problems, [
    { path: '/devices/1', message: 'unknown block device "vdb"; did you mean "vda"?' },
    { path: '/devices/2', message: '"sda1" is a partition of sda: requests are counted per disk; use "sda"' },
    { path: '/devices/3', message: 'unknown block device "nvme0n1" (block devices here: sda, vda)' },
  ]);
  t.same(resolveDevices(['vda'], join(root, 'nothing')).problems, [{ index: 0, message: `unknown block device "vda" (${join(root, 'nothing')} lists none)` }]);
});

t.test('an unknown disk is a config error naming file, line and path', async (t) => {
  const yaml = [
    'receivers:',
    '  blockio:',
    '    devices: [no-such-disk-zz]',
    'exporters:',
    '  debug: {}',
    'service:',
    '  pipelines:',
    '    metrics: { receivers: [blockio], exporters: [debug] }',
  ].join('\n');
  const err = await loadConfigText(yaml, 'p.yaml', registerBuiltins(new Registry()), { env: {} }).then(() => undefined, (e: unknown) => e);
  t.ok(isConfigError(err), 'the loader refuses it');
  t.match((err as Error).message, /p\.yaml:3:\d+: .*devices.*unknown block device "no-such-disk-zz"/);
});

t.test('wrong types and unknown keys are refused by the schema', async (t) => {
  t.ok(validate({ queue_time: 'yes' }).problems.length > 0, 'queue_time not a boolean');
  t.ok(validate({ devices: ['/dev/vda'] }).problems.length > 0, 'a path, not a name');
  t.ok(validate({ devices: ['vda', 'vda'] }).problems.length > 0, 'duplicates');
  t.ok(validate({ slow_threshold: 'slow' }).problems.length > 0, 'bad duration');
  t.ok(validate({ max_entries: 0 }).problems.length > 0, 'max_entries 0');
  t.ok(validate({ max_in_flight: 0 }).problems.length > 0, 'max_in_flight 0');
  t.ok(validate({ device: ['vda'] }).problems.length > 0, 'unknown key');
  t.same(validate({ collection_interval: '0s' }).problems, [{ path: '/collection_interval', message: 'must be more than 0' }]);
});
