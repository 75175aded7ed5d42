/** Decoding ring-buffer records of bpf/security.h into events and attributes. */
import t from 'tap';
import { decodeSecurityEvents, eventAttributes, moduleName } from '../../../receivers/security/decode';
import { handlerTable, prefixKey } from '../../../receivers/security/receiver';
import { SEC_EV, SEC_EVENT, SEC_EVENT_HEADER_SIZE, SEC_SC, SEC_STR_LEN } from '../../../receivers/security/layout';
import { syscallTable } from '../../../receivers/syscall/syscall-table';

function record(kind: number, fill: (b: Buffer) => void, size: number, extra = Buffer.alloc(0)): Buffer {
  const data = Buffer.alloc(Math.max(size, SEC_EVENT_HEADER_SIZE));
  data.writeUInt32LE(kind, SEC_EVENT.members.kind.offset);
  fill(data);
  const body = Buffer.concat([data.subarray(0, size), extra]);
  const padded = Buffer.alloc(Math.ceil(body.length / 8) * 8);
  body.copy(padded);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, padded]);
}

const arg = (b: Buffer, i: number, v: bigint) => b.writeBigUInt64LE(v, SEC_EVENT.members.args.offset + 8 * i);

t.test('a batch of records of different sizes', async (t) => {
  const open = record(SEC_EV.OPEN, (b) => {
    arg(b, 0, 0o1101n);
    b.writeUInt32LE(SEC_SC.OPENAT, SEC_EVENT.members.handler.offset);
    b.writeUInt32LE(42, SEC_EVENT.members.pid.offset);
    b.writeBigInt64LE(-13n, SEC_EVENT.members.ret.offset);
    b.write('/etc/shadow\0', SEC_EVENT_HEADER_SIZE);
    b.write('cat\0', SEC_EVENT.members.comm.offset);
  }, SEC_EVENT_HEADER_SIZE + SEC_STR_LEN);
  const argv = Buffer.from('ls\0-l\0');
  const exec = record(SEC_EV.EXEC, (b) => {
    arg(b, 0, BigInt(argv.length));
    b.writeUInt32LE(argv.length, SEC_EVENT.members.args_len.offset);
    b.write('/bin/ls\0', SEC_EVENT_HEADER_SIZE);
  }, SEC_EVENT.size, argv);
  const short = record(SEC_EV.EXIT, () => {}, 16);
  const { events, malformed } = decodeSecurityEvents({ buffer: Buffer.concat([open, exec, short]), count: 3 });
  t.equal(malformed, 1, 'a record shorter than the header');
  t.equal(events.length, 2);
  t.same([events[0].pid, events[0].ret, events[0].comm, events[0].strs[0]], [42, -13, 'cat', '/etc/shadow']);
  t.same(eventAttributes(events[0]), {
    'file.path': '/etc/shadow', 'file.access': 'write', 'file.open.flags': 0o1101, 'file.open.create': true, 'file.open.truncate': true,
  });
  t.same(events[1].argv?.toString(), 'ls\0-l\0');
  t.equal(events[1].strs[0], '/bin/ls');
});

t.test('exit status, ipv6 peers, privilege ids, namespaces', async (t) => {
  const one = (kind: number, fill: (b: Buffer) => void, handler = 0) => {
    const { events } = decodeSecurityEvents({ buffer: record(kind, (b) => {
      b.writeUInt32LE(handler, SEC_EVENT.members.handler.offset);
      fill(b);
    }, SEC_EVENT.size), count: 1 });
    return eventAttributes(events[0]);
  };
  t.same(one(SEC_EV.EXIT, (b) => { arg(b, 0, (3n << 8n) | 0n); arg(b, 1, 1_500_000_000n); }),
    { 'process.exit.code': 3, 'process.exit.signal': 0, 'process.duration': 1.5 });
  t.same(one(SEC_EV.EXIT, (b) => arg(b, 0, 9n))['process.exit.signal'], 9);
  const v6 = one(SEC_EV.CONNECT, (b) => {
    arg(b, 1, 10n);
    arg(b, 2, 443n);
    b.writeUInt8(0x20, SEC_EVENT.members.args.offset + 24);
    b.writeUInt8(0x01, SEC_EVENT.members.args.offset + 25);
    b.writeUInt8(0x01, SEC_EVENT.members.args.offset + 24 + 15);
    arg(b, 5, 2n);
  });
  t.same(v6, { 'network.peer.address': '2001::1', 'network.peer.port': 443, 'network.type': 'ipv6', 'network.transport': 'udp' });
  t.same(one(SEC_EV.PRIV, (b) => { arg(b, 0, 1000n); arg(b, 1, 0xffffffffn); arg(b, 2, 1000n); arg(b, 3, 0n); }, SEC_SC.SETREGID),
    { 'user.id.old': 1000, 'user.id.new': -1, 'group.id.old': 1000, 'group.id.new': 0 });
  t.same(one(SEC_EV.NS, (b) => arg(b, 0, 0x40020000n)), { 'namespace.flags': 0x40020000, 'namespace.types': ['mnt', 'net'] });
});

t.test('module names, prefix keys, the handler table', async (t) => {
  t.equal(moduleName('nf_tables.ko.zst'), 'nf_tables');
  t.equal(moduleName('x.ko'), 'x');
  const key = prefixKey('/etc/');
  t.equal(key.readUInt32LE(0), 40, 'prefixlen in bits');
  t.equal(key.toString('utf8', 4, 9), '/etc/');
  t.throws(() => prefixKey(`/${'a'.repeat(300)}`));
  const x64 = syscallTable('x64');
  const table = handlerTable(x64, new Set(['file.open', 'network.connect']));
  t.equal(table[x64.ids.get('openat') as number], SEC_SC.OPENAT);
  t.equal(table[x64.ids.get('connect') as number], SEC_SC.CONNECT);
  t.equal(table[x64.ids.get('ptrace') as number], 0, 'a disabled event has no handler');
  const arm = handlerTable(syscallTable('arm64'), new Set(['file.open']));
  t.equal(arm.filter((h) => h !== 0).length, 2, 'arm64 has openat and openat2 only');
});
