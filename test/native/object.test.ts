import t from 'tap';
import {
  decodeRecordBatch,
  isNativeError,
  nativeAvailable,
  openObject,
  possibleCpus,
  setLogHandler,
  type BpfError,
  type LogLevel,
} from '../../native/index';
import { badObjectPath, kernelProgramNames, kernelSkipReason, loadRuntime, runtimeObjectPath, waitFor } from './kernel';

t.test('decodeRecordBatch walks [u32 len][pad][bytes padded to 8] without copying', async (t) => {
  const recs = [Buffer.from('abc'), Buffer.alloc(0), Buffer.from('12345678'), Buffer.from('x'.repeat(13))];
  const parts: Buffer[] = [];
  for (const r of recs) {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(r.length);
    parts.push(h, r, Buffer.alloc(((r.length + 7) & ~7) - r.length));
  }
  const buffer = Buffer.concat(parts);
  const seen: string[] = [];
  const n = decodeRecordBatch({ buffer, count: recs.length }, (b, off, len) => {
    t.equal(b, buffer, 'the visit gets the batch buffer itself');
    seen.push(b.toString('utf8', off, off + len));
  });
  t.equal(n, 4);
  t.same(seen, ['abc', '', '12345678', 'x'.repeat(13)]);
  t.throws(() => decodeRecordBatch({ buffer, count: 5 }, () => undefined), { code: 'EINVAL' }, 'a wrong count is an error');
  t.throws(() => decodeRecordBatch(buffer.subarray(0, 10), () => undefined), { code: 'EINVAL' }, 'a truncated record is an error');
});

t.test('decodeRecordBatch: attached bytes follow a record, after its padding, and are stepped over', async (t) => {
  const header = (len: number, attached: number): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(len, 0);
    h.writeUInt32LE(attached, 4);
    return h;
  };
  const buffer = Buffer.concat([
    header(3, 10), Buffer.from('abc\0\0\0\0\0'), Buffer.from('0123456789\0\0\0\0\0\0'),
    header(8, 0), Buffer.from('12345678'),
  ]);
  const seen: Array<[string, string]> = [];
  const n = decodeRecordBatch({ buffer, count: 2 }, (b, off, len, attached) => {
    const at = off + Math.ceil(len / 8) * 8;
    seen.push([b.toString('utf8', off, off + len), b.toString('utf8', at, at + attached)]);
  });
  t.equal(n, 2);
  t.same(seen, [['abc', '0123456789'], ['12345678', '']]);
  t.throws(() => decodeRecordBatch(buffer.subarray(0, 20), () => undefined), { code: 'EINVAL' }, 'attached bytes past the end are an error');
});

t.test('nativeAvailable says why not, or ok', async (t) => {
  const a = nativeAvailable();
  if (a.ok) t.pass('the addon loads');
  else t.match(a.reason, /addon|Linux/);
});

const skip = kernelSkipReason();
if (skip) {
  t.comment(`kernel tests skipped: ${skip}`);
}

t.test('open: programs, maps and their types', { skip }, async (t) => {
  const o = openObject(runtimeObjectPath());
  t.teardown(() => o.close());
  t.same(o.programs().sort(), [
    'count_btf', 'count_cgroup', 'count_raw', 'count_tc', 'count_tp', 'count_uprobe', 'count_uretprobe', 'emit_events', 'on_sample',
  ]);
  const byName = Object.fromEntries(o.maps().map((m) => [m.name, m]));
  t.same(Object.keys(byName).sort(), ['counts', 'drops', 'events', 'pids', 'stacks'], 'internal .rodata/.bss maps are not listed');
  t.same(byName.counts, { name: 'counts', type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 16, perCpu: true });
  t.same(byName.pids, { name: 'pids', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1024, perCpu: false });
  t.equal(byName.events.type, 'ringbuf');
  t.equal(byName.stacks.type, 'stack_trace');
  t.equal(byName.stacks.valueSize, 127 * 8);
  const details = Object.fromEntries(o.programDetails().map((d) => [d.name, d]));
  t.equal(details.count_raw.section, 'raw_tp/sys_enter');
  t.equal(details.count_btf.type, 'tracing');
  t.equal(details.count_tc.type, 'sched_cls');
});

t.test('open: a missing file is ENOENT from bpf_object__open_file', { skip }, async (t) => {
  const err = t.throws(() => openObject('/nonexistent/x.bpf.o')) as BpfError;
  t.ok(isNativeError(err));
  t.match(err, { code: 'ENOENT', errno: 2, syscall: 'bpf_object__open_file', target: 'x.bpf.o' });
  t.match(err.message, /^bpf_object__open_file\(x\.bpf\.o\): ENOENT: /);
});

t.test('setConst: every kind of tunable, and its errors', { skip }, async (t) => {
  const o = openObject(runtimeObjectPath());
  t.teardown(() => o.close());
  o.setConst('target_pid', 4242);
  o.setConst('udp_port', 65535);
  o.setConst('big_tunable', 2n ** 64n - 1n);
  o.setConst('rb_no_wakeup', true);
  o.setConst('small_signed', -128);
  o.setConst('name_prefix', 'ebpf-pipeline');
  o.setConst('id_list', Buffer.alloc(16, 1));
  t.throws(() => o.setConst('no_such_var', 1), { code: 'ENOENT', syscall: 'setConst', target: 'no_such_var' });
  t.throws(() => o.setConst('udp_port', 65536), { code: 'EINVAL', syscall: 'setConst', message: /size mismatch/ });
  t.throws(() => o.setConst('small_signed', 128), { code: 'EINVAL' });
  t.throws(() => o.setConst('target_pid', -1), { code: 'EINVAL' });
  t.throws(() => o.setConst('target_pid', 1.5), { code: 'EINVAL' });
  t.throws(() => o.setConst('target_pid', 'abc'), { code: 'EINVAL' }, 'a string into an int');
  t.throws(() => o.setConst('name_prefix', 'x'.repeat(16)), { code: 'EINVAL', message: /size mismatch/ }, 'no room for the NUL');
  t.throws(() => o.setConst('id_list', Buffer.alloc(12)), { code: 'EINVAL', message: /size mismatch/ });
  t.throws(() => o.setConst('id_list', 3), { code: 'EINVAL' });
  t.throws(() => o.setConst('target_pid', Buffer.alloc(8)), { code: 'EINVAL', message: /size mismatch/ });
  o.setConst('target_pid', Buffer.from([1, 2, 3, 4]));
});

t.test('setConst values reach the kernel; setMaxEntries, setAutoload; nothing settable after load', { skip }, async (t) => {
  const o = await loadRuntime(['count_raw'], { target_pid: 0x01020304, name_prefix: 'abc', big_tunable: 7n }, (o) => o.setMaxEntries('pids', 2048));
  t.teardown(() => o.close());
  const rodata = o.maps().length ? o.map('runtime.rodata') : undefined;
  if (rodata) {
    const v = rodata.lookup(Buffer.alloc(4));
    t.ok(v, 'the .rodata map holds the values');
    t.ok(v!.includes(Buffer.from([4, 3, 2, 1])), 'target_pid is in .rodata');
    t.ok(v!.includes(Buffer.from('abc\0')), 'name_prefix is in .rodata');
  }
  t.equal(o.map('pids').maxEntries, 2048);
  t.throws(() => o.setConst('target_pid', 1), { code: 'EINVAL', message: /before load/ });
  t.throws(() => o.setMaxEntries('pids', 1), { code: 'EINVAL' });
  t.throws(() => o.attach('count_btf'), { code: 'EBADF', message: /not loaded/ }, 'autoload off: not loaded');
  t.throws(() => o.attach('nope'), { code: 'ENOENT', target: 'nope' });
  t.throws(() => o.map('nope'), { code: 'ENOENT', target: 'nope' });
});

t.test('a verifier rejection carries the verifier log', { skip }, async (t) => {
  const lines: Array<[LogLevel, string]> = [];
  setLogHandler((level, line) => lines.push([level, line]), 'warn');
  t.teardown(() => setLogHandler(null));
  const o = openObject(badObjectPath());
  const err = (await o.load().then(
    () => undefined,
    (e: unknown) => e,
  )) as BpfError;
  await o.close();
  t.ok(isNativeError(err), 'a BpfError');
  t.match(err, { code: 'EACCES', errno: 13, syscall: 'bpf_object__load', target: 'bad_read' });
  t.match(err.message, /^bpf_object__load\(bad_read\): EACCES: .*invalid access to map value/);
  t.match(err.verifierLog, /invalid access to map value, value_size=8 off=64 size=8/);
  t.ok(err.verifierLog!.trim().split('\n').length <= 40, 'at most 40 lines');
  await new Promise((r) => setTimeout(r, 50));
  t.ok(lines.some(([l, s]) => l === 'warn' && /bad_read/.test(s)), 'the log handler got libbpf warnings');
  t.rejects(o.load(), { code: 'EBADF' }, 'a closed object does not load');
});

t.test('maps: lookup, update, delete, entries, clear; per-CPU values', { skip }, async (t) => {
  const o = await loadRuntime(['count_raw']);
  t.teardown(() => o.close());
  const pids = o.map('pids');
  const k = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const v = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  t.equal(pids.lookup(k(1)), undefined);
  pids.update(k(1), v(10n));
  pids.update(k(2), v(20n), 'noexist');
  t.throws(() => pids.update(k(2), v(21n), 'noexist'), { code: 'EEXIST', syscall: 'bpf_map_update_elem', target: 'pids' });
  t.throws(() => pids.update(k(3), v(30n), 'exist'), { code: 'ENOENT' });
  t.throws(() => pids.update(Buffer.alloc(3), v(1n)), { code: 'EINVAL', message: /key has 3 bytes/ });
  t.throws(() => pids.update(k(3), Buffer.alloc(4)), { code: 'EINVAL' });
  t.equal(pids.lookup(k(2))!.readBigUInt64LE(0), 20n);
  for (let i = 10; i < 300; i++) pids.update(k(i), v(BigInt(i)));
  const entries = pids.entries();
  t.equal(entries.length, 292);
  t.ok(entries.every(([key, val]) => BigInt(key.readUInt32LE(0)) * (key.readUInt32LE(0) >= 10 ? 1n : 10n) === val.readBigUInt64LE(0)));
  t.equal(pids.delete(k(1)), true);
  t.equal(pids.delete(k(1)), false);
  pids.clear();
  t.equal(pids.entries().length, 0);

  const counts = o.map('counts');
  const ncpu = possibleCpus();
  counts.update(k(5), v(3n)); // one value: every CPU
  const per = counts.lookupPerCpu(k(5))!;
  t.equal(per.length, ncpu);
  t.ok(per.every((b) => b.length === 8 && b.readBigUInt64LE(0) === 3n));
  const full = Buffer.alloc(8 * ncpu);
  for (let c = 0; c < ncpu; c++) full.writeBigUInt64LE(BigInt(c + 1), c * 8);
  counts.update(k(6), full);
  t.same(
    counts.lookupPerCpu(k(6))!.map((b) => b.readBigUInt64LE(0)),
    Array.from({ length: ncpu }, (_, c) => BigInt(c + 1)),
  );
  const all = counts.entries();
  t.equal(all.length, 16, 'an array has max_entries entries');
  t.equal(all[6][1].length, 8 * ncpu, 'per-CPU values are concatenated');
  counts.clear();
  t.ok(counts.lookupPerCpu(k(6))!.every((b) => b.readBigUInt64LE(0) === 0n), 'clear() zeroes an array');
  t.throws(() => pids.lookupPerCpu(k(1)), { code: 'EINVAL' });
  t.equal(o.map('stacks').entries().length, 0, 'an empty stack map iterates');
});

t.test('close() unloads: no program of ours left, links destroyed, idempotent', { skip }, async (t) => {
  const o = await loadRuntime(['count_raw', 'count_btf', 'emit_events']);
  const link = o.attach('count_raw');
  o.attach('count_btf');
  const m = o.map('pids');
  t.ok(kernelProgramNames().includes('count_btf'));
  await o.close();
  await o.close();
  link.destroy(); // already destroyed by close: no-op
  // The kernel frees programs after an RCU grace period: give it a moment.
  const ours = () => kernelProgramNames().filter((n) => ['count_raw', 'count_btf', 'emit_events'].includes(n));
  t.ok(await waitFor(() => ours().length === 0, 3000), 'bpftool shows none of them');
  t.throws(() => m.lookup(Buffer.alloc(4)), { code: 'EBADF' });
  t.throws(() => o.attach('count_raw'), { code: 'EBADF' });
});
