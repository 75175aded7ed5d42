/** The process table: seeding from a /proc tree, fork/exec/exit, ancestry, bounds; cgroup paths and container ids. */
import t from 'tap';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessTable, parseProcStat, splitArgs } from '../../../receivers/security/process-table';
import { CgroupPaths, containerIdOf } from '../../../receivers/security/cgroups';

function fakeProc(procs: Array<{ pid: number; ppid: number; comm: string; start: number; exe?: string; args?: string[] }>): string {
  const root = mkdtempSync(join(tmpdir(), 'fakeproc-'));
  for (const p of procs) {
    const dir = join(root, String(p.pid));
    mkdirSync(dir);
    // fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itreal starttime
    writeFileSync(join(dir, 'stat'), `${p.pid} (${p.comm}) S ${p.ppid} 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${p.start} 1000 10\n`);
    writeFileSync(join(dir, 'cmdline'), p.args ? `${p.args.join('\0')}\0` : '');
    if (p.exe) symlinkSync(p.exe, join(dir, 'exe'));
  }
  writeFileSync(join(root, 'uptime'), '1 1');
  return root;
}

t.test('parseProcStat reads a comm with spaces and parens', async (t) => {
  t.same(parseProcStat('42 (a (b) c) S 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0'), { comm: 'a (b) c', ppid: 7, startTicks: 12345 });
  t.equal(parseProcStat('garbage'), undefined);
});

t.test('splitArgs', async (t) => {
  t.same(splitArgs(Buffer.from('cat\0/etc/passwd\0')), ['cat', '/etc/passwd']);
  t.same(splitArgs(Buffer.from('cut\0argu')), ['cut', 'argu'], 'a cut last argument is kept');
  t.same(splitArgs(Buffer.alloc(0)), []);
});

t.test('seed, fork, exec, exit, ancestry', async (t) => {
  const proc = fakeProc([
    { pid: 1, ppid: 0, comm: 'init', start: 1, exe: '/sbin/init', args: ['/sbin/init'] },
    { pid: 10, ppid: 1, comm: 'bash', start: 250, exe: '/usr/bin/bash', args: ['-bash'] },
  ]);
  let now = 1000;
  const table = new ProcessTable('boot', 100, 5000, proc, () => now);
  t.equal(table.seed(), 2);
  t.equal(table.get(10)?.execId, 'boot-2500000000-10', 'start ticks in ns');
  t.equal(table.get(10)?.name, 'bash');
  t.same(table.get(10)?.args, ['-bash']);

  const child = table.fork(11, 10, 9_000_000_000n, 'bash');
  t.equal(child.path, '/usr/bin/bash', 'a child runs its parent\'s executable');
  t.equal(child.execId, 'boot-9000000000-11');
  const cat = table.exec(11, 10, 9_500_000_000n, '/usr/bin/cat', ['cat', 'x'], 'cat');
  t.equal(cat.name, 'cat');
  t.not(cat.execId, child.execId, 'a new exec id after exec');
  t.same(table.ancestry(cat, 5), { pids: [10, 1], names: ['bash', 'init'], execIds: ['boot-2500000000-10', 'boot-10000000-1'] });
  t.same(table.ancestry(cat, 1).pids, [10], 'bounded by depth');

  table.exit(10);
  t.equal(table.sweep(), 0, 'kept during the grace period');
  t.same(table.ancestry(cat, 5).pids, [10, 1], 'an exited parent still gives ancestry');
  now += 5000;
  t.equal(table.sweep(), 1);
  t.equal(table.get(10), undefined);
});

t.test('lookupOrAdd: from /proc, else from the event', async (t) => {
  const proc = fakeProc([{ pid: 5, ppid: 1, comm: 'sshd', start: 100, exe: '/usr/sbin/sshd', args: ['sshd'] }]);
  const table = new ProcessTable('b', 10, 1000, proc);
  t.equal(table.lookupOrAdd(5, 1, 0n, 'x').path, '/usr/sbin/sshd');
  const gone = table.lookupOrAdd(6, 5, 77n, 'worker');
  t.same([gone.name, gone.execId, gone.path], ['worker', 'b-77-6', undefined]);
});

t.test('bounded: a full table evicts exited processes first, then the oldest', async (t) => {
  const table = new ProcessTable('b', 3, 60_000, '/nonexistent');
  table.fork(1, 0, 1n, 'a');
  table.fork(2, 0, 2n, 'b');
  table.fork(3, 0, 3n, 'c');
  table.exit(2);
  table.fork(4, 0, 4n, 'd');
  t.same([1, 2, 3, 4].map((p) => table.get(p) !== undefined), [true, false, true, true]);
  table.fork(5, 0, 5n, 'e');
  t.same([1, 3, 4, 5].map((p) => table.get(p) !== undefined), [false, true, true, true]);
  t.equal(table.size, 3);
  t.equal(table.stats.evicted, 2);
});

t.test('container ids and cgroup paths', async (t) => {
  const id = 'a'.repeat(64);
  t.equal(containerIdOf(`/system.slice/docker-${id}.scope`), id);
  t.equal(containerIdOf(`/kubepods/besteffort/pod1/${id}`), id);
  t.equal(containerIdOf('/user.slice/user-1000.slice'), undefined);
  const mount = mkdtempSync(join(tmpdir(), 'cgmount-'));
  mkdirSync(join(mount, 'a', 'b'), { recursive: true });
  const { statSync } = await import('node:fs');
  const ino = statSync(join(mount, 'a', 'b'), { bigint: true }).ino;
  const paths = new CgroupPaths(mount);
  t.equal(paths.path(ino), '/a/b');
  t.equal(paths.path(1n), undefined);
  t.equal(new CgroupPaths(undefined).path(ino), undefined);
});
