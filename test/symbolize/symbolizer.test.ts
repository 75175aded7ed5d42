/**
 * The symbolizer on real processes: a C program built as PIE, non-PIE and with
 * a shared library prints its functions' runtime addresses; each must be named
 * exactly, before and after the process exits. Kernel frames from kallsyms.
 */
import t from 'tap';
import { copyFileSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
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
