/** The packet receiver's config: the README example through the real loader, defaults, bad input; globs. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../core/config/load';
import { Registry } from '../../../core/registry';
import { registerBuiltins } from '../../../core/builtins';
import { compileSchema } from '../../../core/config/ajv';
import { packetReceiverFactory } from '../../../receivers/packet';
import type { PacketConfig } from '../../../receivers/packet/config';
import { InterfaceSelector, globToRegExp } from '../../../receivers/packet/interfaces';

function registry(): Registry {
  const r = registerBuiltins(new Registry());
  if (!r.get('receiver', 'packet')) r.register(packetReceiverFactory);
  return r;
}

const README = readFileSync(join(__dirname, '../../../receivers/packet/README.md'), 'utf8');
const example = (/```yaml\n([\s\S]*?)```/.exec(README) as RegExpExecArray)[1];

function validate(config: unknown): { config: unknown; problems: unknown[] } {
  const check = compileSchema(packetReceiverFactory.schema);
  const data = structuredClone(config);
  if (!check(data)) return { config: data, problems: check.errors ?? [] };
  return { config: data, problems: packetReceiverFactory.validate?.(data as PacketConfig) ?? [] };
}

const DEFAULTS = {
  collection_interval: '10s',
  interfaces: [],
  interface_poll_interval: '5s',
  max_entries: 4096,
  flows: { enabled: false, max_entries: 10240, top_k: 10, ports: [] },
  max_series: 10000,
};

t.test('the README example parses to the whole expected config', async (t) => {
  // The example names eth0, which this machine may lack: the probe is checked in the kernel test.
  const config = await loadConfigText(example.replace('packet:', 'packet:\n    optional: true'), 'README.md', registry(), { env: {} });
  t.same(config.receivers.get('packet')?.config, {
    ...DEFAULTS,
    interfaces: ['eth0', 'veth*'],
    flows: { enabled: true, max_entries: 10240, top_k: 20, ports: [443, 5432] },
  });
});

t.test('defaults', async (t) => {
  t.same(validate({}), { config: DEFAULTS, problems: [] });
});

t.test('bad input', async (t) => {
  t.ok(validate({ flows: { ports: [70000] } }).problems.length > 0, 'a port above 65535');
  t.ok(validate({ flows: { ports: [0] } }).problems.length > 0, 'port 0');
  t.ok(validate({ flows: { ports: ['http'] } }).problems.length > 0, 'a port that is not a number');
  t.ok(validate({ interfaces: ['a-name-longer-than-15'] }).problems.length > 0, 'an interface name longer than IFNAMSIZ');
  t.ok(validate({ max_series: 0 }).problems.length > 0, 'max_series 0');
  t.ok(validate({ flow: {} }).problems.length > 0, 'an unknown key');
  t.same(validate({ collection_interval: '0s' }).problems, [{ path: '/collection_interval', message: 'must be more than 0' }]);
});

t.test('globs and the default selection', async (t) => {
  t.ok(globToRegExp('eth*').test('eth0'));
  t.notOk(globToRegExp('eth*').test('veth0'));
  t.ok(globToRegExp('veth[0-3]').test('veth2'));
  t.notOk(globToRegExp('veth[!0-3]').test('veth2'));
  t.ok(globToRegExp('a.b?').test('a.bc'));
  t.notOk(globToRegExp('a.b').test('axb'), 'a dot is literal');
  const all = new InterfaceSelector([]);
  t.ok(all.wants({ name: 'eth0', ifindex: 2, up: true }));
  t.notOk(all.wants({ name: 'lo', ifindex: 1, up: true }), 'lo is left out by default');
  t.notOk(all.wants({ name: 'eth1', ifindex: 3, up: false }), 'down interfaces are left out');
  const named = new InterfaceSelector(['eth1', 'veth*']);
  t.ok(named.wants({ name: 'eth1', ifindex: 3, up: false }), 'a plain name is taken up or down');
  t.notOk(named.wants({ name: 'veth9', ifindex: 9, up: false }));
  t.ok(named.wants({ name: 'veth9', ifindex: 9, up: true }));
  t.same(named.plainNames(), ['eth1']);
});
