/**
 * The security receiver against real actions: each event kind is triggered
 * by fixtures/secact.c (or a shell) and its attributes checked against what
 * the action did and the syscall returned, with each program variant
 * (tp_btf, the default, and the raw_tp fallback).
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfToolchainMissing } from '../../support/bpf-compile';
import { events, ourProgramIds, secact, secactPath, stillLoaded, withSecurity, type SecactResult } from './harness';

const skip = process.getuid?.() !== 0 ? 'needs root' : bpfToolchainMissing();

for (const variant of ['tp_btf', 'raw_tp'] as const) t.test(`security events from real actions (${variant} programs)`, { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'secrecv-'));
  const watched = join(dir, 'watched') + '/';
  mkdirSync(watched);
  const secret = join(watched, 'secret');
  writeFileSync(secret, 'x');
  const unwatched = join(dir, 'other');
  writeFileSync(unwatched, 'y');
  const suid = join(dir, 'suid-me');
  writeFileSync(suid, '');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const notModule = join(dir, 'notamodule.ko');
  writeFileSync(notModule, 'junk');
  const bin = secactPath();
  const before = ourProgramIds();
  let mine = new Set<number>();

  const r: Record<string, SecactResult> = {};
  const run = await withSecurity({ watched_paths: [watched, '/etc/'] }, async () => {
    mine = new Set([...ourProgramIds()].filter((id) => !before.has(id)));
    r.exit = await secact(['exit', '3']);
    r.read = await secact(['open', secret, 'r']);
    r.write = await secact(['open', secret, 'wct']);
    r.rw = await secact(['open', secret, 'rw']);
    r.missing = await secact(['open', join(watched, 'missing'), 'r']);
    r.unwatched = await secact(['open', unwatched, 'r']);
    r.chmod = await secact(['chmod', suid, '4755']);
    r.setuid = await secact(['setuid-drop']);
    r.ptrace = await secact(['ptrace']);
    r.init = await secact(['init-module']);
    r.finit = await secact(['finit-module', notModule]);
    r.bpf = await secact(['bpf']);
    r.mount = await secact(['mount', mnt]);
    r.setns = await secact(['setns']);
    r.memfd = await secact(['memfd-exec']);
    r.connect = await secact(['connect']);
    r.packet = await secact(['packet']);
    r.dup = await secact(['dup-shell']);
  }, { variant });
  t.equal(run.receiver.variant, variant, `the ${variant} programs were loaded`);
  t.equal(run.receiver.processes.size > 0, true, 'the process table was seeded');
  t.same(await stillLoaded(mine), [], 'nothing of ours is loaded after shutdown');
  t.equal(mine.size, 5, 'five programs were loaded');
  const recs = run.records;
  const one = (name: string, pid: number, match: Record<string, unknown> = {}) => {
    const found = events(recs, name, pid, match as never);
    t.equal(found.length, 1, `one ${name} by ${pid} with ${JSON.stringify(match)}`);
    return found[0]?.attributes ?? {};
  };

  t.test('process.exec and process.exit', async (t) => {
    const exec = one('process.exec', r.exit.pid);
    t.equal(exec['process.executable.path'], bin);
    t.same(exec['process.command_args'], [bin, 'exit', '3']);
    t.equal(exec['process.command_line'], `${bin} exit 3`);
    t.equal(exec['process.parent_pid'], process.pid, 'the test started it');
    t.equal(exec['process.parent.executable.name'], 'node');
    t.equal(exec['process.user.id'], 0);
    t.equal(exec['process.real_user.id'], 0);
    t.match(exec['process.exec_id'], new RegExp(`^${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}-\\d+-${r.exit.pid}$`));
    const cgroup = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3);
    t.equal(exec['process.linux.cgroup'], cgroup, 'the cgroup v2 path of the test (inherited)');
    const exit = one('process.exit', r.exit.pid);
    t.equal(exit['process.exit.code'], 3);
    t.equal(exit['process.exit.signal'], 0);
    t.equal(exit['process.exec_id'], exec['process.exec_id'], 'the same exec id on every event of the exec');
    t.ok((exit['process.duration'] as number) > 0 && (exit['process.duration'] as number) < 5, 'duration in seconds');
  });

  t.test('file.open: watched prefixes only, read vs write, flags and result', async (t) => {
    const read = one('file.open', r.read.pid, { 'file.path': secret });
    t.equal(read['file.access'], 'read');
    t.equal(read['file.open.create'], false);
    t.equal(read['file.open.truncate'], false);
    t.equal(read['syscall.name'], 'openat');
    t.equal(read['syscall.return_value'], r.read.get('ret'));
    t.equal(read['file.open.flags'], r.read.get('flags'));
    const write = one('file.open', r.write.pid, { 'file.path': secret });
    t.equal(write['file.access'], 'write');
    t.equal(write['file.open.create'], true);
    t.equal(write['file.open.truncate'], true);
    t.equal(one('file.open', r.rw.pid, { 'file.path': secret })['file.access'], 'read_write');
    t.equal(one('file.open', r.missing.pid, { 'file.path': join(watched, 'missing') })['syscall.return_value'], -2, 'ENOENT is reported');
    t.equal(events(recs, 'file.open', r.unwatched.pid, { 'file.path': unwatched }).length, 0, 'an unwatched path is not');
    t.ok(events(recs, 'file.open', r.read.pid, { 'file.path': '/etc/ld.so.cache' }).length === 1, 'the loader\'s /etc/ld.so.cache');
  });

  t.test('file.chmod with the setuid bit', async (t) => {
    const c = one('file.chmod', r.chmod.pid);
    t.equal(c['file.path'], suid);
    t.equal(c['file.mode'], 0o4755);
    t.equal(c['file.mode.setuid'], true);
    t.equal(c['file.mode.setgid'], false);
    t.equal(c['syscall.return_value'], 0);
  });

  t.test('process.privilege_change: a root child drops to nobody', async (t) => {
    const child = r.setuid.get('child');
    const p = one('process.privilege_change', child);
    t.equal(p['syscall.name'], 'setresuid');
    t.equal(p['user.id.old'], 0);
    t.equal(p['user.id.new'], 65534);
    t.equal(p['group.id.new'], -1);
    t.equal(p['syscall.return_value'], 0);
    t.equal(p['process.parent_pid'], r.setuid.pid);
    t.equal(p['process.executable.path'], bin, 'a forked child runs its parent\'s executable');
  });

  t.test('process.ptrace attach', async (t) => {
    const p = one('process.ptrace', r.ptrace.pid, { 'ptrace.request': 'PTRACE_ATTACH' });
    t.equal(p['ptrace.target.pid'], r.ptrace.get('child'));
    t.equal(p['syscall.return_value'], 0);
  });

  t.test('kernel.module_load attempts carry their failure', async (t) => {
    const i = one('kernel.module_load', r.init.pid);
    t.equal(i['syscall.name'], 'init_module');
    t.equal(i['syscall.return_value'], r.init.get('ret'));
    t.ok((i['syscall.return_value'] as number) < 0, 'failed');
    t.equal(i['module.params'], 'secact_param=1');
    const f = one('kernel.module_load', r.finit.pid);
    t.equal(f['syscall.name'], 'finit_module');
    t.equal(f['syscall.return_value'], r.finit.get('ret'));
    t.equal(f['module.name'], 'notamodule');
  });

  t.test('bpf.program_load', async (t) => {
    const b = one('bpf.program_load', r.bpf.pid);
    t.equal(b['bpf.program.type'], 1, 'BPF_PROG_TYPE_SOCKET_FILTER');
    t.equal(b['bpf.program.name'], 'secact_prog');
    t.equal(b['bpf.program.instructions'], 2);
    t.equal(b['syscall.return_value'], r.bpf.get('ret'));
    t.ok(r.bpf.get('ret') >= 0, 'loaded');
  });

  t.test('process.namespace_change and file.mount', async (t) => {
    const ns = one('process.namespace_change', r.mount.pid);
    t.equal(ns['syscall.name'], 'unshare');
    t.equal(ns['namespace.flags'], 0x20000);
    t.same(ns['namespace.types'], ['mnt']);
    t.equal(ns['syscall.return_value'], 0);
    const m = one('file.mount', r.mount.pid, { 'mount.source': 'secact-tmpfs' });
    t.equal(m['mount.target'], mnt);
    t.equal(m['mount.fs_type'], 'tmpfs');
    t.equal(m['mount.flags'], 2, 'MS_NOSUID');
    t.equal(m['syscall.return_value'], 0);
    const s = one('process.namespace_change', r.setns.pid);
    t.equal(s['syscall.name'], 'setns');
    t.same(s['namespace.types'], ['net']);
    t.equal(s['syscall.return_value'], 0);
  });

  t.test('memfd.create then exec of the memfd', async (t) => {
    const m = one('memfd.create', r.memfd.pid);
    t.equal(m['memfd.name'], 'secact-memfd');
    t.equal(m['memfd.flags'], 1, 'MFD_CLOEXEC');
    t.equal(m['syscall.return_value'], r.memfd.get('ret'));
    const execs = events(recs, 'process.exec', r.memfd.pid);
    t.equal(execs.length, 2, 'secact, then the memfd');
    const e = execs[1]?.attributes ?? {};
    t.equal(e['process.executable.memfd'], true);
    t.same(e['process.command_args'], ['secact-memfd-true']);
    t.equal(e['process.exec_id'] !== execs[0]?.attributes['process.exec_id'], true, 'a new exec, a new exec id');
    t.equal(one('process.exit', r.memfd.pid)['process.exit.code'], 0);
  });

  t.test('network.connect and network.socket', async (t) => {
    const c = one('network.connect', r.connect.pid);
    t.equal(c['network.peer.address'], '127.0.0.1');
    t.equal(c['network.peer.port'], r.connect.get('port'));
    t.equal(c['network.type'], 'ipv4');
    t.equal(c['network.transport'], 'tcp');
    t.equal(c['syscall.return_value'], 0);
    const s = one('network.socket', r.packet.pid);
    t.equal(s['socket.family'], 'packet');
    t.equal(s['socket.type'], 3, 'SOCK_RAW');
    t.equal(s['socket.protocol'], 0x0300, 'htons(ETH_P_ALL)');
    t.equal(s['syscall.return_value'], r.packet.get('ret'));
  });

  t.test('file.dup_to_stdio: a socket on a shell\'s stdin and stdout', async (t) => {
    const child = r.dup.get('child');
    const dups = events(recs, 'file.dup_to_stdio', child);
    t.same(dups.map((d) => d.attributes['file.descriptor.new']), [0, 1]);
    for (const d of dups) {
      t.equal(d.attributes['file.descriptor.type'], 'socket');
      t.equal(d.attributes['socket.family'], 'inet', 'a TCP socket on loopback');
      t.equal(d.attributes['socket.type'], 1, 'SOCK_STREAM');
      t.equal(d.attributes['syscall.return_value'], d.attributes['file.descriptor.new']);
    }
    const sh = one('process.exec', child);
    t.equal(sh['process.executable.name'], 'sh');
    t.same((sh['process.ancestors.pid'] as number[]).slice(0, 2), [r.dup.pid, process.pid]);
  });

  rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('umount', [mnt], { stdio: 'ignore' });
  } catch {
    // the mount lived in secact's own mount namespace
  }
});

t.test('ancestry: bash -> sh -> cat', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'secanc-'));
  const file = join(dir, 'f');
  writeFileSync(file, 'hello');
  const run = await withSecurity({ watched_paths: [dir + '/'], ancestry_depth: 3 }, async () => {
    execFileSync('bash', ['-c', `sh -c "cat ${file}; true"; true`]);
  });
  const opens = events(run.records, 'file.open', undefined, { 'file.path': file });
  t.equal(opens.length, 1, 'cat opened the file once');
  const a = opens[0]?.attributes ?? {};
  t.equal(a['process.executable.name'], 'cat');
  t.same(a['process.ancestors.executable.name'], ['sh', 'bash', 'node'], 'parent first, depth 3');
  const pids = a['process.ancestors.pid'] as number[];
  t.equal(pids[2], process.pid);
  const shExec = events(run.records, 'process.exec', pids[0])[0]?.attributes ?? {};
  t.equal(shExec['process.executable.name'], 'sh');
  t.equal(shExec['process.parent_pid'], pids[1]);
  t.same((a['process.ancestors.exec_id'] as string[]).slice(0, 1), [shExec['process.exec_id']], 'the ancestors\' exec ids');
  t.equal(a['process.parent.exec_id'], shExec['process.exec_id']);
  t.equal(a['process.parent.executable.name'], 'sh');
  const bashExec = events(run.records, 'process.exec', pids[1])[0]?.attributes ?? {};
  t.equal(bashExec['process.executable.name'], 'bash');
  rmSync(dir, { recursive: true, force: true });
});

t.test('exit by a signal', { skip }, async (t) => {
  let pid = 0;
  const run = await withSecurity({ events: ['process.exit', 'process.exec'] }, async () => {
    pid = Number(execFileSync('sh', ['-c', 'sh -c \'echo $$; kill -9 $$\' || true'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim());
  });
  const exit = events(run.records, 'process.exit', pid)[0]?.attributes ?? {};
  t.equal(exit['process.exit.signal'], 9);
  t.equal(exit['process.exit.code'], 0);
  t.equal(events(run.records, 'file.open').length, 0, 'events not listed are not emitted');
});
