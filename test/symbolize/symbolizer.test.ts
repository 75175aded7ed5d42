/**
 * The symbolizer on real processes: a C program built as PIE, non-PIE and with
 * a shared library prints its functions' runtime addresses; each must be named
 * exactly, before and after the process exits. Kernel frames from kallsyms.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createSymbolizer } from '../../core/symbolize/symbolizer';
import type { Frame } from '../../core/symbolize/types';
import { buildPrograms, nmAddress, runProgram, type Builds } from './workload';

let builds: Builds;
t.before(() => {
  builds = buildPrograms();
});
t.teardown(() => rmSync(builds.dir, { recursive: true, force: true }));

function names(frames: Frame[]): string[] {
  return frames.map((f) => f.name);
}

for (const variant of ['pie', 'nonPie'] as const) {
  t.test(`${variant}: functions named at their address and inside, offsets are the linked addresses`, async (t) => {
    const binary = builds[variant];
    const program = await runProgram(binary);
    t.teardown(() => program.stop());
    const symbolizer = createSymbolizer();
    const a = program.addresses;
    const hot = a.get('hot_loop')!;
    const frames = symbolizer.symbolizeUser(program.pid, [hot, hot + 1n, a.get('local_helper')! + 4n, a.get('main')!, a.get('sized_fn')!]);
    t.same(names(frames), ['hot_loop', 'hot_loop', 'local_helper', 'main', 'sized_fn']);
    t.equal(frames[0]!.module, binary);
    t.equal(frames[0]!.kind, 'user');
    t.equal(frames[0]!.offset, nmAddress(binary, 'hot_loop'), 'offset is the ELF virtual address (PIE base removed)');
    t.equal(frames[1]!.offset, nmAddress(binary, 'hot_loop') + 1n);

    const pastEnd = symbolizer.symbolizeUser(program.pid, [a.get('sized_fn')! + 2n])[0]!;
    const expectedOffset = nmAddress(binary, 'sized_fn') + 2n;
    t.equal(pastEnd.name, `${basename(binary)}+0x${expectedOffset.toString(16)}`, 'past the symbol size: module+offset, not a wrong name');
    t.equal(pastEnd.kind, 'unknown');
    t.equal(symbolizer.stats().unknownFrames, 1);

    const unmapped = symbolizer.symbolizeUser(program.pid, [0x10n])[0]!;
    t.equal(unmapped.name, '[unknown]+0x10');
    t.equal(symbolizer.stats().unmappedFrames, 1);
  });
}

t.test('a function in a shared library, and frames after the process exited', async (t) => {
  const program = await runProgram(builds.withLib);
  const symbolizer = createSymbolizer();
  symbolizer.observe(program.pid);
  const a = program.addresses;
  const before = symbolizer.symbolizeUser(program.pid, [a.get('lib_function')! + 3n, a.get('hot_loop')!]);
  t.same(names(before), ['lib_function', 'hot_loop']);
  t.equal(before[0]!.module, builds.library);
  t.equal(before[0]!.offset, nmAddress(builds.library, 'lib_function') + 3n);
  await program.stop();
  const after = symbolizer.symbolizeUser(program.pid, [a.get('lib_function')! + 3n, a.get('hot_loop')!, a.get('main')!]);
  t.same(names(after), ['lib_function', 'hot_loop', 'main'], 'still named after exit');
  t.equal(symbolizer.stats().unreadableFiles, 0);
});

t.test('an exiting process read again (no executable mapping left) keeps the mappings read while it lived', async (t) => {
  // A sample in a process's exit path, after its memory is released, announces it again: its maps file
  // is empty then (a zombie's too). Played with a copy of procfs whose maps file is emptied.
  const program = await runProgram(builds.pie);
  t.teardown(() => program.stop());
  const procRoot = join(builds.dir, 'proc-copy');
  mkdirSync(join(procRoot, String(program.pid)), { recursive: true });
  writeFileSync(join(procRoot, String(program.pid), 'maps'), readFileSync(`/proc/${program.pid}/maps`));
  const symbolizer = createSymbolizer({ procRoot });
  symbolizer.observe(program.pid);
  writeFileSync(join(procRoot, String(program.pid), 'maps'), '');
  symbolizer.observe(program.pid);
  t.same(names(symbolizer.symbolizeUser(program.pid, [program.addresses.get('hot_loop')!])), ['hot_loop']);
});

t.test('maps read already (by the ring-buffer reader) are used as given: nothing is read from /proc then', async (t) => {
  const program = await runProgram(builds.withLib);
  const maps = readFileSync(`/proc/${program.pid}/maps`, 'utf8');
  await program.stop();
  // Gone, and no procfs: only the lines given tell where its code was; its files are read from their paths.
  const symbolizer = createSymbolizer({ procRoot: join(builds.dir, 'no-proc') });
  symbolizer.observe(program.pid, maps.split('\n').filter((l) => / ..x. /.test(l)).join('\n'));
  const a = program.addresses;
  t.same(names(symbolizer.symbolizeUser(program.pid, [a.get('lib_function')!, a.get('hot_loop')!])), ['lib_function', 'hot_loop']);
  t.equal(symbolizer.stats().unmappedFrames, 0);
});

t.test('after exit with an ELF cache of one file: evicted files are read again from their path', async (t) => {
  const program = await runProgram(builds.withLib);
  const symbolizer = createSymbolizer({ maxElfFiles: 1 });
  symbolizer.observe(program.pid);
  await program.stop();
  const a = program.addresses;
  t.same(names(symbolizer.symbolizeUser(program.pid, [a.get('lib_function')!, a.get('hot_loop')!, a.get('lib_function')!])), [
    'lib_function',
    'hot_loop',
    'lib_function',
  ]);
});

t.test('frames are reused across calls; past the cache bound they are made again, still exact', async (t) => {
  const program = await runProgram(builds.withLib);
  t.teardown(() => program.stop());
  const a = program.addresses;
  const addresses = [a.get('lib_function')! + 3n, a.get('hot_loop')!, a.get('main')!, a.get('sized_fn')! + 2n];
  const expected = ['lib_function', 'hot_loop', 'main', `${basename(builds.withLib)}+0x${(nmAddress(builds.withLib, 'sized_fn') + 2n).toString(16)}`];
  const cached = createSymbolizer();
  const first = cached.symbolizeUser(program.pid, addresses);
  const second = cached.symbolizeUser(program.pid, addresses);
  t.same(names(first), expected);
  t.ok(first.every((f, i) => f === second[i]), 'the same frame objects the second time');
  t.equal(cached.stats().unknownFrames, 2, 'an unknown frame is counted each time it is returned, cached or not');
  const kernelAddress = 0xffffffff81000000n;
  t.equal(cached.symbolizeKernel([kernelAddress])[0]!.name, cached.symbolizeKernel([kernelAddress])[0]!.name);

  const tiny = createSymbolizer({ maxCachedFrames: 2 });
  for (let round = 0; round < 3; round++) t.same(names(tiny.symbolizeUser(program.pid, addresses)), expected, `round ${round} with a 2-frame cache`);
});

t.test('processes are bounded: the oldest observed one is forgotten', async (t) => {
  const first = await runProgram(builds.nonPie);
  const second = await runProgram(builds.pie);
  const symbolizer = createSymbolizer({ maxProcesses: 1 });
  symbolizer.observe(first.pid);
  symbolizer.observe(second.pid);
  await first.stop();
  await second.stop();
  t.same(names(symbolizer.symbolizeUser(second.pid, [second.addresses.get('hot_loop')!])), ['hot_loop']);
  const lost = symbolizer.symbolizeUser(first.pid, [first.addresses.get('hot_loop')!])[0]!;
  t.equal(lost.module, '[unknown]');
  t.equal(symbolizer.stats().unmappedFrames, 1);
});

t.test('a deleted executable is read through /proc/PID/map_files', async (t) => {
  const copy = join(builds.dir, 'deleted-copy');
  copyFileSync(builds.nonPie, copy);
  const program = await runProgram(copy);
  t.teardown(() => program.stop());
  unlinkSync(copy);
  const symbolizer = createSymbolizer();
  const frames = symbolizer.symbolizeUser(program.pid, [program.addresses.get('hot_loop')!]);
  t.same(names(frames), ['hot_loop']);
  t.equal(frames[0]!.module, copy);
});

t.test('JIT frames from /tmp/perf-PID.map in anonymous executable memory', async (t) => {
  const program = await runProgram(builds.pie);
  const mapFile = `/tmp/perf-${program.pid}.map`;
  t.teardown(async () => {
    rmSync(mapFile, { force: true });
    await program.stop();
  });
  const jit = program.addresses.get('jit')!;
  const symbolizer = createSymbolizer();
  const hex = (n: bigint): string => n.toString(16);
  writeFileSync(mapFile, `${hex(jit)} 40 LazyCompile:*hotJs /app/main.js:3:10\n${hex(jit + 0x40n)} 10 Builtin:ArrayPush\n`);
  const frames = symbolizer.symbolizeUser(program.pid, [jit + 5n, jit + 0x4fn, jit + 0x60n]);
  t.same(names(frames), ['LazyCompile:*hotJs /app/main.js:3:10', 'Builtin:ArrayPush', '[anon]+0x60']);
  t.same(
    frames.map((f) => f.kind),
    ['jit', 'jit', 'unknown'],
  );
  t.equal(frames[0]!.module, '[jit]');
  // The JIT writes more code: the changed map is read again.
  writeFileSync(mapFile, `${hex(jit)} 40 LazyCompile:*hotJs /app/main.js:3:10\n${hex(jit + 0x60n)} 8 LazyCompile:*later /app/main.js:9:1\n`);
  t.same(names(symbolizer.symbolizeUser(program.pid, [jit + 0x61n])), ['LazyCompile:*later /app/main.js:9:1']);
});

const kallsymsLine = /^([0-9a-f]{16}) [tT] (do_sys_openat2|ksys_read|vfs_read)$/m.exec(readFileSync('/proc/kallsyms', 'latin1'));
const kallsymsSkip =
  kallsymsLine === null || /^0+$/.test(kallsymsLine[1]!) ? 'kallsyms shows no addresses (not root) or none of do_sys_openat2/ksys_read/vfs_read' : false;
if (kallsymsSkip) t.comment(`skipping: ${kallsymsSkip}`);

t.test('kernel addresses from /proc/kallsyms', { skip: kallsymsSkip }, async (t) => {
  const address = BigInt(`0x${kallsymsLine![1]}`);
  const name = kallsymsLine![2];
  const symbolizer = createSymbolizer();
  const frames = symbolizer.symbolizeKernel([address, address + 1n]);
  t.same(names(frames), [name, name]);
  t.equal(frames[0]!.module, '[kernel]');
  t.equal(frames[0]!.kind, 'kernel');
  const unknown = symbolizer.symbolizeKernel([0x1000n])[0]!;
  t.equal(unknown.kind, 'unknown');
  t.match(unknown.name, /^\[kernel\]\+0x/);
});

t.test('a real Node.js JIT function from its --perf-basic-prof map', async (t) => {
  const script = [
    'function hotJsFunction(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }',
    'let total = 0;',
    'setInterval(() => { total += hotJsFunction(20000); }, 1);',
    "process.stdin.on('data', () => {}).on('end', () => process.exit(0));",
  ].join('\n');
  const child = spawn(process.execPath, ['--perf-basic-prof', '-e', script], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const mapFile = `/tmp/perf-${child.pid}.map`;
  t.teardown(async () => {
    child.stdin.end();
    await exited;
    rmSync(mapFile, { force: true });
  });
  let line: RegExpExecArray | null = null;
  for (let i = 0; i < 200 && line === null; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const text = existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : '';
    // The last line naming the function: the newest code for it.
    const all = [...text.matchAll(/^([0-9a-f]+) ([0-9a-f]+) (.*hotJsFunction.*)$/gm)];
    line = all.length > 0 ? all[all.length - 1]! : null;
  }
  if (line === null) {
    t.fail(`hotJsFunction never appeared in ${mapFile}`);
    return;
  }
  const start = BigInt(`0x${line[1]}`);
  const size = BigInt(`0x${line[2]}`);
  const symbolizer = createSymbolizer();
  const frame = symbolizer.symbolizeUser(child.pid!, [start + size / 2n])[0]!;
  t.equal(frame.kind, 'jit', 'in anonymous memory, named from the perf map');
  t.equal(frame.name, line[3]);
  t.equal(frame.module, '[jit]');
});

const unshareSkip = existsSync('/usr/bin/unshare') ? false : 'unshare (util-linux) is not installed';
if (unshareSkip) t.comment(`skipping: ${unshareSkip}`);

t.test('a process in its own pid namespace: its perf map is named by the pid it sees', { skip: unshareSkip }, async (t) => {
  // unshare forks the program as pid 1 of a new pid namespace; it writes /tmp/perf-1.map there.
  const program = await runProgram('/usr/bin/unshare', ['--pid', '--fork', builds.pie]);
  const mapFile = '/tmp/perf-1.map';
  t.teardown(async () => {
    rmSync(mapFile, { force: true });
    await program.stop();
  });
  const hostPid = Number(readFileSync(`/proc/${program.pid}/task/${program.pid}/children`, 'utf8').trim());
  t.match(readFileSync(`/proc/${hostPid}/status`, 'utf8'), new RegExp(`^NSpid:\\s+${hostPid}\\s+1$`, 'm'));
  const jit = program.addresses.get('jit')!;
  writeFileSync(mapFile, `${jit.toString(16)} 20 JS:*inContainer /srv/app.js:1\n`);
  const symbolizer = createSymbolizer();
  const frames = symbolizer.symbolizeUser(hostPid, [jit + 4n, program.addresses.get('hot_loop')!]);
  t.same(names(frames), ['JS:*inContainer /srv/app.js:1', 'hot_loop']);
});

t.test('vDSO frames are named from the image in the process memory', async (t) => {
  const program = await runProgram(builds.pie);
  t.teardown(() => program.stop());
  const vdso = /^([0-9a-f]+)-([0-9a-f]+) r-xp .*\[vdso\]$/m.exec(readFileSync(`/proc/${program.pid}/maps`, 'utf8'));
  if (vdso === null) {
    t.fail('no [vdso] mapping');
    return;
  }
  const start = parseInt(vdso[1]!, 16);
  const image = Buffer.alloc(parseInt(vdso[2]!, 16) - start);
  const fd = openSync(`/proc/${program.pid}/mem`, 'r');
  readSync(fd, image, 0, image.length, start);
  closeSync(fd);
  const dump = join(builds.dir, 'vdso.so');
  writeFileSync(dump, image);
  // binutils on the dumped image: where clock_gettime is, and every name at that address.
  const symbols = execFileSync('nm', ['-D', '--defined-only', dump], { encoding: 'utf8' });
  const value = /^([0-9a-f]+) [TW] (__vdso_)?clock_gettime(@\S+)?$/m.exec(symbols)![1]!;
  const aliases = [...symbols.matchAll(new RegExp(`^${value} [TW] (\\S+?)(@\\S+)?$`, 'gm'))].map((m) => m[1]);
  const load = /^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+)/m.exec(execFileSync('readelf', ['-lW', dump], { encoding: 'utf8' }))!;
  const address = BigInt(start) + BigInt(`0x${value}`) - BigInt(`0x${load[2]}`) + BigInt(`0x${load[1]}`);
  const frame = createSymbolizer().symbolizeUser(program.pid, [address + 2n])[0]!;
  t.equal(frame.module, '[vdso]');
  t.equal(frame.kind, 'user');
  t.ok(aliases.includes(frame.name), `${frame.name} is one of ${aliases.join(', ')}`);
});

t.test('without procfs nothing throws: frames are unknown and counted', async (t) => {
  const symbolizer = createSymbolizer({ procRoot: join(builds.dir, 'no-proc') });
  symbolizer.observe(1);
  t.same(names(symbolizer.symbolizeUser(1, [0x1000n])), ['[unknown]+0x1000']);
  const kernel = symbolizer.symbolizeKernel([0xffffffff81000000n])[0]!;
  t.equal(kernel.name, '[kernel]+0xffffffff81000000');
  t.equal(kernel.kind, 'unknown');
  t.same(symbolizer.stats(), { unknownFrames: 1, unmappedFrames: 1, unreadableFiles: 0 });
});
