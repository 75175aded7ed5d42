/**
 * The profile of a real workload, symbolized: burn spends 10 units of work
 * in hot_loop for each unit in cold_loop, so hot_loop is the top user frame
 * of most of its samples and cold_loop has about a tenth of hot_loop's.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { probePerf } from '../../../receivers/perf';
import { BPF_CACHE } from '../../support/bpf-compile';
import type { Profile } from '../../../core/profile/types';
import { burnBinary, startBurn, withPerfReceiver } from './harness';

const cannot = probePerf({});
const skip = cannot ? `the perf receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

/** Samples of `pid` by the name of their top (leaf) user frame. */
function topUserFrames(profiles: readonly Profile[], pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of profiles) {
    for (const s of p.samples) {
      if (s.labels?.pid !== pid) continue;
      const top = s.stack.find((f) => f.kind !== 'kernel');
      const name = top?.name ?? '[none]';
      out.set(name, (out.get(name) ?? 0) + s.values[0]);
    }
  }
  return out;
}

t.test('hot_loop is the top user frame of 80-95% of the samples, cold_loop ~1/10 of it (999 Hz)', { skip }, async (t) => {
  const burn = await startBurn(2500, 'hotcold');
  const r = await withPerfReceiver({ frequency: 999, pids: [burn.pid], collection_interval: '1s' }, async () => {
    await burn.go();
  });
  const tops = topUserFrames(r.profiles, burn.pid);
  const total = [...tops.values()].reduce((a, b) => a + b, 0);
  const hot = tops.get('hot_loop') ?? 0;
  const cold = tops.get('cold_loop') ?? 0;
  t.comment(`samples ${total}: ${JSON.stringify([...tops].sort((a, b) => b[1] - a[1]).slice(0, 6))}`);
  t.ok(total > 1500, `enough samples (${total})`);
  t.ok(hot / total >= 0.8 && hot / total <= 0.95, `hot_loop share ${(hot / total).toFixed(3)} in 0.80..0.95`);
  t.ok(cold / hot >= 0.05 && cold / hot <= 0.2, `cold_loop / hot_loop ${(cold / hot).toFixed(3)} in 0.05..0.20`);
  const hotSample = r.profiles.flatMap((p) => p.samples).find((s) => s.stack[0]?.name === 'hot_loop');
  t.match(hotSample?.stack[0], { kind: 'user', name: 'hot_loop' }, 'a frame with its module');
  t.ok(hotSample?.stack[0].module.endsWith('perf-burn'), `module is the binary (${hotSample?.stack[0].module})`);
  t.ok(hotSample?.stack.some((f) => f.name === 'main'), 'main is below hot_loop');
  t.equal(r.receiver['symbolizer'].stats().unmappedFrames, 0, 'every frame in a known mapping');
});

t.test('a process that exits before the collection still symbolizes (observed at first sight)', { skip }, async (t) => {
  const burn = await startBurn(300, 'shortlived');
  const r = await withPerfReceiver({ frequency: 999, comms: ['shortlived'], collection_interval: '10s' }, async () => {
    await burn.go();
    await new Promise((res) => setTimeout(res, 100));
  });
  const tops = topUserFrames(r.profiles, burn.pid);
  t.comment(JSON.stringify([...tops]));
  t.ok((tops.get('hot_loop') ?? 0) > 100, 'hot_loop named after the process exited');
});

t.test('an exec in a sampled process: the frames after it are named from the new binary, after the process exited', { skip }, async (t) => {
  const execBurn = join(BPF_CACHE, 'perf-exec-burn');
  execFileSync('cc', ['-O1', '-fno-omit-frame-pointer', '-Wall', '-o', execBurn, join(__dirname, 'fixtures', 'exec-burn.c')]);
  let pid = 0;
  const r = await withPerfReceiver({ frequency: 999, comms: ['perf-exec-burn', 'execd'], collection_interval: '10s' }, async () => {
    // 300 ms in before_exec_loop, then the same pid runs burn (300 ms, 10:1 hot_loop:cold_loop) under the name execd.
    const child = spawn(execBurn, ['300', burnBinary(), '300', 'execd'], { stdio: ['pipe', 'ignore', 'inherit'] });
    pid = child.pid!;
    child.stdin.end('go\n');
    await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exec-burn exited ${code}`)))));
    await new Promise((res) => setTimeout(res, 200));
  });
  // Samples taken after the exec (the thread is named execd then). The process is gone when they are symbolized:
  // only the mappings read when its first sample after the exec announced it again can name them.
  const after = topUserFrames(r.profiles.map((p) => ({ ...p, samples: p.samples.filter((s) => s.labels?.comm === 'execd') })), pid);
  t.comment(JSON.stringify([...after]));
  const total = [...after.values()].reduce((a, b) => a + b, 0);
  t.ok(total > 200, `samples after the exec (${total})`);
  t.ok((after.get('hot_loop') ?? 0) > 0.7 * total, 'hot_loop, from the new mappings');
  const unknown = [...after].filter(([name]) => name.startsWith('[unknown]')).reduce((a, [, n]) => a + n, 0);
  t.ok(unknown <= 2, `(almost) no frame outside the known mappings (${unknown})`);
});

t.test('kernel stacks: a syscall-heavy process shows kernel frames under its user frames', { skip }, async (t) => {
  // dd copying /dev/zero to /dev/null spends its time in the kernel.
  const r = await withPerfReceiver({ frequency: 999, comms: ['dd'], collection_interval: '10s' }, async () => {
    await new Promise<void>((resolve, reject) => {
      const dd = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64k', 'count=60000'], { stdio: 'ignore' });
      dd.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dd exited ${code}`))));
    });
  });
  const samples = r.profiles.flatMap((p) => p.samples);
  const withKernel = samples.filter((s) => s.stack[0]?.kind === 'kernel');
  t.ok(withKernel.length > 0, `samples with kernel frames (${withKernel.length} of ${samples.length})`);
  const s = withKernel[0];
  const firstUser = s?.stack.findIndex((f) => f.kind !== 'kernel') ?? -1;
  t.ok(firstUser > 0 && s.stack.slice(firstUser).every((f) => f.kind !== 'kernel'), 'kernel frames first (leaf), then user frames');
  t.ok(withKernel.some((x) => x.stack.some((f) => /^(__x64_sys|ksys|vfs|do_syscall|entry_SYSCALL|read_zero|iov_iter|clear_user|rep_stos)/.test(f.name))),
    'kernel frames are named from kallsyms');
});
