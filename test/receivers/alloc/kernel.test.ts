/**
 * The alloc receiver on the real kernel: a workload that allocates known
 * blocks from `leaky` (kept) and `tidy` (freed) and the exact totals, the
 * leak report and the sampling it must produce; the rest of the malloc
 * family; the comm filter; bad input; release of every probe.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import type { Batch } from '../../../core/signals';
import { allocReceiverFactory, probeAlloc, validateAllocConfig } from '../../../receivers/alloc';
import { ALLOC_PROBES, AllocReceiver, KMALLOC_PROGRAM, MMAP_PROBES } from '../../../receivers/alloc/receiver';
import { receiverContext } from '../../support/receiver-context';
import { allocConfig, sleep, startLeaktest, valueOf, withReceiver, workload, INTERVAL_MS } from './harness';

const N = 1000;
const M = 500;
const S = 4096;
const STATIC_LIBC = '/usr/lib/x86_64-linux-gnu/libc.a';
let r0: Batch[] = [];

const cannot = probeAlloc({});
const skip = cannot ? `the alloc receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

/** Our programs' names as the kernel keeps them (BPF_OBJ_NAME_LEN: 15 characters). */
/** Every program of bpf/alloc.bpf.c. */
const OUR_PROGRAMS = [...ALLOC_PROBES, ...MMAP_PROBES].flatMap((p) => [p.enter, p.exit ?? '']).concat(KMALLOC_PROGRAM).filter(Boolean);

/** Loaded programs' names (bpftool gives the BTF name, or the kernel's, cut to 15 characters), as our full names. */
function ourLoadedPrograms(): string[] {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString()) as Array<{ name?: string }>;
  const names = new Set(progs.map((p) => p.name ?? ''));
  return OUR_PROGRAMS.filter((n) => names.has(n) || names.has(n.slice(0, 15)));
}

/**
 * This process's BPF program, map and link fds and perf events (uprobes are
 * perf events): what the receiver holds, counted without looking at other
 * processes' programs (tests of other files may run at the same time).
 */
function bpfFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (/^anon_inode:(bpf-prog|bpf-map|bpf_link|\[perf_event\])$/.test(readlinkSync(`/proc/self/fd/${fd}`))) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** sizeof(struct name) in the running kernel, from its BTF. */
function kernelStructSize(name: string): number {
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'], { maxBuffer: 512 << 20 }).toString();
  const m = new RegExp(`STRUCT '${name}' size=(\\d+)`).exec(raw);
  if (!m) throw new Error(`struct ${name} is not in the kernel's BTF`);
  return Number(m[1]);
}

function stackOf(record: { attributes: Record<string, unknown> }): string[] {
  return record.attributes['process.memory.leak.stack'] as string[];
}

t.test('sample_every 1, pid filter: exact totals, and a leak report with leaky on top and no tidy', { skip }, async (t) => {
  const w = await startLeaktest(N, S, M);
  const r = await withReceiver({ pids: [w.pid] }, () => w.go());
  await w.end();
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), N + M, 'allocations: every malloc of leaky and tidy');
  t.equal(valueOf(r.metrics, 'process.memory.allocated', w.pid), (N + M) * S, 'allocated bytes');
  t.equal(valueOf(r.metrics, 'process.memory.freed', w.pid), M * S, 'freed bytes: tidy\'s blocks');
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), N * S, 'outstanding bytes: leaky\'s blocks, N*S');
  t.same([...new Set(r.metrics.map((m) => m.attributes['process.pid']))], [w.pid], 'only the pid of the filter');
  const outstanding = r.metrics.find((m) => m.name === 'process.memory.outstanding');
  t.match(outstanding, { type: 'gauge', unit: 'By', attributes: { 'process.executable.name': 'leaktest' } });
  t.match(r.metrics.find((m) => m.name === 'process.memory.allocations'), { type: 'sum', monotonic: true, temporality: 'cumulative' });

  t.ok(r.leaks.length >= 1, `a leak report: ${r.leaks.length} records`);
  const top = r.leaks[0];
  t.match(top, { eventName: 'process.memory.leak', severityText: 'WARN' });
  t.match(top?.attributes, { 'process.pid': w.pid, 'process.executable.name': 'leaktest', 'process.memory.leak.rank': 1, 'process.memory.leak.bytes': N * S, 'process.memory.leak.count': N });
  const stack = top ? stackOf(top) : [];
  t.comment(`top stack: ${stack.join(' <- ')}`);
  t.equal(stack[0], 'leaky', 'the first frame is leaky (the caller of malloc, seen at its return)');
  t.ok(stack.includes('main'), 'main is below it');
  t.notOk(r.leaks.some((l) => stackOf(l).some((f) => f.includes('tidy'))), 'tidy appears nowhere in the report');
  t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped');
});

t.test('profiles: the leak report as pprof inuse_space/inuse_objects, folded stacks', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'alloc-profiles-'));
  try {
    const w = await startLeaktest(N, S, M);
    const r = await withReceiver({ pids: [w.pid], profiles: { directory: dir, formats: ['pprof', 'folded'], max_files: 100 } }, () => w.go());
    await w.end();
    const files = readdirSync(dir).sort();
    const pprofs = files.filter((f) => f.endsWith('.pb.gz'));
    t.ok(pprofs.length >= 1, `pprof files: ${pprofs.length}`);
    t.equal(files.filter((f) => f.endsWith('.folded')).length, pprofs.length, 'one folded file per pprof file');
    const decoded = PprofProfile.decode(gunzipSync(readFileSync(join(dir, pprofs.at(-1) as string))));
    const str = (i: number | bigint): string => decoded.stringTable.strings[Number(i)] ?? '';
    t.same(decoded.sampleType.map((v) => [str(v.type), str(v.unit)]), [['inuse_space', 'bytes'], ['inuse_objects', 'count']]);
    const fnName = new Map(decoded.function.map((f) => [Number(f.id), str(f.name)]));
    const locFn = new Map(decoded.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0]?.functionId)) ?? '']));
    const stacks = decoded.sample.map((smp) => ({ names: smp.locationId.map((id) => locFn.get(Number(id))), values: smp.value.map(Number) }));
    t.equal(stacks.length, 1, 'one stack outstanding: leaky\'s');
    t.equal(stacks[0]?.names[0], 'leaky', 'leaf first: leaky');
    t.same(stacks[0]?.values, [N * S, N], 'inuse_space N*S, inuse_objects N');
    t.notOk(stacks.some((st) => st.names.includes('tidy')), 'no tidy');
    const folded = readFileSync(join(dir, files.filter((f) => f.endsWith('.folded')).at(-1) as string), 'utf8');
    t.match(folded, new RegExp(`main;leaky ${N * S}\\n$`), `folded: ${folded.trim()}`);
    t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped, no write failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test('sample_every 16: allocations exact; every 16th block tracked, scaled by 16', { skip }, async (t) => {
  const w = await startLeaktest(N, S, M);
  const r = await withReceiver({ pids: [w.pid], sample_every: 16 }, () => w.go());
  await w.end();
  // The process's allocations are numbered 1..N+M; numbers 16, 32, ... are tracked.
  const leakyTracked = Math.floor(N / 16); // 62
  const tidyTracked = Math.floor((N + M) / 16) - leakyTracked; // 31
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), N + M, 'allocations stay exact');
  t.equal(valueOf(r.metrics, 'process.memory.allocated', w.pid), (N + M) * S, 'allocated bytes stay exact');
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), leakyTracked * 16 * S, `outstanding: ${leakyTracked} tracked blocks x 16 x S`);
  t.equal(valueOf(r.metrics, 'process.memory.freed', w.pid), tidyTracked * 16 * S, `freed: ${tidyTracked} tracked blocks x 16 x S`);
  t.match(r.leaks[0]?.attributes, { 'process.memory.leak.count': leakyTracked * 16, 'process.memory.leak.bytes': leakyTracked * 16 * S });
  t.equal(stackOf(r.leaks[0])[0], 'leaky');
});

t.test('the rest of the family: calloc, aligned_alloc, posix_memalign, realloc', { skip }, async (t) => {
  const w = await startLeaktest(0, S, 0, 'family');
  const r = await withReceiver({ pids: [w.pid] }, () => w.go());
  await w.end();
  // family(): kept calloc(1,S), aligned_alloc(64,S), posix_memalign(S), realloc(malloc(S/2), S);
  // freed: calloc(2,S/2), aligned_alloc(64,S), posix_memalign(S), realloc(malloc(S/2), S).
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), 10, '10 successful calls (each realloc and its malloc)');
  t.equal(valueOf(r.metrics, 'process.memory.allocated', w.pid), 8 * S + 2 * (S / 2) + 0, 'allocated: 8 blocks of S, 2 of S/2');
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), 4 * S, 'outstanding: the 4 kept blocks');
  t.equal(valueOf(r.metrics, 'process.memory.freed', w.pid), 4 * S + 2 * (S / 2), 'freed: 4 blocks of S, and realloc\'s 2 old blocks of S/2');
  t.equal(r.leaks.length, 4, 'four call sites in the report');
  t.ok(r.leaks.every((l) => stackOf(l)[0] === 'family' && l.attributes['process.memory.leak.bytes'] === S), 'each one block of S from family');
});

t.test('a second thread of the process: counted, under the process\'s name', { skip }, async (t) => {
  const w = await startLeaktest(N, S, M, 'thread');
  const r = await withReceiver({ pids: [w.pid] }, () => w.go());
  await w.end();
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), N + M);
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), N * S);
  t.same([...new Set(r.metrics.map((m) => m.attributes['process.executable.name']))], ['leaktest'], 'the process name, not the thread\'s (leakworker)');
  t.equal(stackOf(r.leaks[0])[0], 'leaky');
  t.ok(stackOf(r.leaks[0]).includes('worker'), 'the thread\'s start function below it');
});

t.test('kernel: kmalloc calls of the traced process by kernel function', { skip }, async (t) => {
  const PIPES = 300;
  const w = await startLeaktest(PIPES, S, 0, 'pipes');
  const r = await withReceiver({ pids: [w.pid], kernel: true }, () => w.go());
  await w.end();
  const fn = (name: string, fnName: string): number | undefined =>
    r.metrics.find((m) => m.name === name && m.attributes['code.function.name'] === fnName)?.value;
  const top = r.metrics.filter((m) => m.name === 'kernel.memory.allocations').slice(0, 5).map((m) => `${m.attributes['code.function.name']}=${m.value}`);
  t.comment(`top kmalloc callers: ${top.join(', ')}`);
  // alloc_pipe_info(): kzalloc(struct pipe_inode_info), then kcalloc(16, struct pipe_buffer).
  const info = kernelStructSize('pipe_inode_info');
  const buffer = kernelStructSize('pipe_buffer');
  t.equal(fn('kernel.memory.allocations', 'alloc_pipe_info'), 2 * PIPES, 'two kmallocs per pipe()');
  t.equal(fn('kernel.memory.allocated', 'alloc_pipe_info'), PIPES * (info + 16 * buffer), `${info} + 16 x ${buffer} bytes per pipe()`);
  t.same(r.ctx.telemetry.dropped.size, 0, 'nothing dropped');
});

t.test('mmap: mappings count as allocations, munmap frees them; malloc\'s own mmap is not counted twice', { skip }, async (t) => {
  const w = await startLeaktest(20, 1 << 20, 10, 'mmap');
  const r = await withReceiver({ pids: [w.pid], mmap: true }, () => w.go());
  await w.end();
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), 30);
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), 20 << 20);
  t.equal(valueOf(r.metrics, 'process.memory.freed', w.pid), 10 << 20);
  t.equal(stackOf(r.leaks[0])[0], 'maps');
  // Large mallocs: glibc serves them with mmap (above 128 KiB), nested in malloc.
  const big = await startLeaktest(10, 1 << 20, 5);
  const rb = await withReceiver({ pids: [big.pid], mmap: true }, () => big.go());
  await big.end();
  t.equal(valueOf(rb.metrics, 'process.memory.allocations', big.pid), 15, 'only the mallocs, not their mmaps');
  t.equal(valueOf(rb.metrics, 'process.memory.outstanding', big.pid), 10 << 20);
  t.equal(stackOf(rb.leaks[0])[0], 'leaky');
});

t.test('a full allocs map: blocks past max_entries are counted as dropped, exactly', { skip }, async (t) => {
  const w = await startLeaktest(N, S, M);
  const r = await withReceiver({ pids: [w.pid], max_entries: 100 }, () => w.go());
  await w.end();
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), N + M, 'every call still counted');
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), 100 * S, 'the 100 blocks the map holds');
  t.equal(r.ctx.telemetry.dropped.get('allocs_full'), N - 100 + M, 'leaky\'s 900 blocks past the bound, and tidy\'s 500 while it is full');
  t.equal(r.leaks[0]?.attributes['process.memory.leak.count'], 100);
});

t.test('min_age: blocks younger than it are not in the report', { skip }, async (t) => {
  const w = await startLeaktest(10, S, 0);
  const r = await withReceiver({ pids: [w.pid], min_age: '1h' }, () => w.go());
  await w.end();
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), 10 * S);
  t.equal(r.batches.filter((b) => b.signal === 'logs').length, 0, 'no leak report');
});

t.test('comms filter: hooks the system C library, counts only that name', { skip }, async (t) => {
  const w = await startLeaktest(100, S, 50);
  const r = await withReceiver({ comms: ['leaktest'] }, () => w.go());
  await w.end();
  t.match(r.receiver.attached[0], /libc\.so\.6:malloc$/, 'one system-wide target');
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), 150);
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), 100 * S);
  t.same([...new Set(r.metrics.map((m) => m.attributes['process.executable.name']))], ['leaktest'], 'no other process');
});

t.test('an exited process is forgotten after its last points', { skip }, async (t) => {
  const w = await startLeaktest(5, S, 0);
  let atExit = 0;
  const r = await withReceiver({ pids: [w.pid] }, async () => {
    await w.go();
    await sleep(INTERVAL_MS * 1.5);
    await w.end();
    atExit = r0.length;
    await sleep(INTERVAL_MS * 3);
  }, {}, (batches) => (r0 = batches));
  const mine = (b: Batch): boolean => b.signal === 'metrics' && b.records.some((m) => m.attributes['process.pid'] === w.pid);
  t.ok(r.batches.slice(0, atExit).some(mine), 'its points were emitted while it ran');
  t.ok(r.batches.slice(atExit).filter(mine).length <= 1, 'after it exited: its last points at most once, then nothing');
  t.ok(r.batches.length - atExit >= 2, `collections ran after it exited (${r.batches.length - atExit} batches)`);
});

t.test('binary: a statically linked program', { skip: skip || (existsSync(STATIC_LIBC) ? false : `${STATIC_LIBC} is missing (libc6-dev)`) }, async (t) => {
  const binary = workload(true);
  const w = await startLeaktest(N, S, M, 'plain', true);
  const r = await withReceiver({ pids: [w.pid], binary }, () => w.go());
  await w.end();
  t.match(r.receiver.attached[0], `${binary} (pid ${w.pid}):malloc`);
  t.equal(valueOf(r.metrics, 'process.memory.allocations', w.pid), N + M);
  t.equal(valueOf(r.metrics, 'process.memory.outstanding', w.pid), N * S);
  t.equal(stackOf(r.leaks[0])[0], 'leaky');
});

t.test('bad input: clear messages', { skip }, async (t) => {
  t.equal(probeAlloc({ binary: '/nonexistent/prog' }), 'binary: /nonexistent/prog does not exist');
  t.equal(probeAlloc({ libc: '/etc/hostname' }), 'libc: /etc/hostname is not an ELF file');
  t.equal(probeAlloc({ libc: 'libc.so.6' }), 'libc: libc.so.6 is not an absolute path');
  t.equal(probeAlloc({ pids: [999999999] }), 'pids: process 999999999 does not exist');
  t.same(validateAllocConfig({ libc: '/nonexistent/libc.so.6' }), [{ path: '/libc', message: '/nonexistent/libc.so.6 does not exist' }]);

  // leaktest imports malloc but defines none: hooking it as `binary` fails naming the symbol.
  const before = bpfFds();
  const noMalloc = new AllocReceiver(allocConfig({ binary: workload() }), receiverContext('alloc/x'));
  await t.rejects(noMalloc.start(), new RegExp(`^alloc/x: hooking malloc in ${workload()} failed \\(the file must define malloc: a C library, or a program linked statically\\): `));
  await noMalloc.shutdown();
  t.equal(bpfFds(), before, 'nothing left open after the failed start');
});

t.test('lifecycle: shutdown before start and twice; no program of ours after shutdown', { skip }, async (t) => {
  const before = bpfFds();
  const idle = allocReceiverFactory.create(allocConfig({}), receiverContext('alloc'));
  await idle.shutdown();
  await idle.shutdown();
  const w = await startLeaktest(1, S, 0);
  const r = allocReceiverFactory.create(allocConfig({ pids: [w.pid], mmap: true, kernel: true }), receiverContext('alloc'));
  let completed = false;
  r.batches.subscribe({ complete: () => (completed = true) });
  await r.start();
  t.same(ourLoadedPrograms(), OUR_PROGRAMS, 'every program loaded while running (mmap and kernel on)');
  t.ok(bpfFds() > before, `fds held while running: ${bpfFds() - before}`);
  await r.shutdown();
  await r.shutdown();
  t.ok(completed, 'batches completes at shutdown');
  t.equal(bpfFds(), before, 'every program, map, link and uprobe released at shutdown');
  await w.go();
  await w.end();
});
