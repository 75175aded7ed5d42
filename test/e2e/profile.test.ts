/**
 * `ebpf-pipeline profile` as a user runs it: a CPU-bound workload profiled by
 * pid for 2 s at 999 Hz writes a flame graph, a pprof profile and folded
 * stacks naming hot_loop, exits 0 and leaves nothing loaded; a terminal gets
 * a progress bar; bad flags get one clear message and exit 2.
 */
import t from 'tap';
import type { Test } from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import { BIN, ROOT, runCli } from '../support/cli';
import { probePerf } from '../../receivers/perf';
import { perfProgramsLoaded, startBurn } from '../receivers/perf/harness';

const cannot = probePerf({});
const skip = cannot ? `the perf receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);
const built = existsSync(join(ROOT, 'dist', 'core', 'cli', 'profile.js')) ? false : 'dist/ is not built (npx tsc -p tsconfig.json)';

/** CPU time (ns) of a process's main thread so far. */
function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

function assertOneCleanError(t: Test, result: { code: number | null; stderr: string }, pattern: RegExp): void {
  t.equal(result.code, 2, 'exit code 2');
  t.match(result.stderr, pattern);
  t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

t.test('profile --pid writes the flame graph, pprof and folded stacks', { skip: skip || built }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const burn = await startBurn(8000, 'clihot');
  const done = burn.go();
  const output = join(dir, 'out', 'flame.html');
  const cpuBefore = cpuNs(burn.pid);
  const r = await runCli(['profile', '--pid', String(burn.pid), '--duration', '2s', '--frequency', '999', '--output', output]);
  const cpuSeconds = (cpuNs(burn.pid) - cpuBefore) / 1e9;
  process.kill(burn.pid, 'SIGKILL');
  await done.catch(() => undefined);
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr})`);
  const paths = [output, join(dir, 'out', 'flame.pb.gz'), join(dir, 'out', 'flame.folded')];
  t.same(r.stdout.trim().split('\n').sort(), [...paths].sort(), 'prints the three paths');
  t.match(r.stderr, new RegExp(`profiling pid ${burn.pid} at 999 Hz for 2\\.0s`), 'a plain progress line when stderr is not a terminal');
  t.match(r.stderr, /process\.cpu\.samples\{process\.executable\.name=clihot\} \d+/, 'the samples metric');
  t.notMatch(r.stderr, /\r/, 'no bar redraws off a terminal');
  const folded = readFileSync(paths[2]!, 'utf8');
  const lines = folded.trim().split('\n');
  const total = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const hot = lines.filter((l) => / \d+$/.test(l) && l.slice(0, l.lastIndexOf(' ')).endsWith(';hot_loop')).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  // The machine is shared: the workload gets what CPU it can. The 2 s window is within the CLI's run.
  t.ok(total > 300 && total <= cpuSeconds * 999 * 1.05, `samples (${total}) at most the workload's CPU time in the run (${cpuSeconds.toFixed(2)} s) x 999 Hz`);
  t.ok(hot / total >= 0.8 && hot / total <= 0.95, `hot_loop on top of ${(100 * hot / total).toFixed(1)}% of them`);
  t.match(readFileSync(paths[0]!, 'utf8'), /hot_loop/, 'the flame graph names hot_loop');
  const pprof = PprofProfile.decode(gunzipSync(readFileSync(paths[1]!)));
  t.equal(pprof.sample.reduce((n, s) => n + Number(s.value[0]), 0), total, 'the pprof has the same samples');
  t.same(execFileSync('ls', ['-A', join(dir, 'out')]).toString().trim().split('\n').sort(), ['flame.folded', 'flame.html', 'flame.pb.gz'], 'no work files left');
  t.equal(await perfProgramsLoaded(), 0, 'nothing stays loaded');
});

t.test('--output names the format of its extension; the others go beside it', { skip: skip || built }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(['profile', '--pid', String(process.pid), '--duration', '300ms', '--output', join(dir, 'cpu.pb.gz')]);
  t.equal(r.code, 0, r.stderr);
  t.same(r.stdout.trim().split('\n').sort(), [join(dir, 'cpu.folded'), join(dir, 'cpu.html'), join(dir, 'cpu.pb.gz')]);
});

t.test('a terminal gets a progress bar', { skip: skip || built }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // script(1) runs the command on a pseudo-terminal.
  const cmd = `${process.execPath} ${BIN} profile --pid ${process.pid} --duration 1s --output ${join(dir, 'f.html')}`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
  });
  t.match(out, /\rprofiling pid \d+ at 49 Hz \[#*\.*\] \d+\.\ds\/1\.0s/, 'a bar redrawn in place');
  t.match(out, /\[#{30}\] 1\.0s\/1\.0s/, 'full at the end');
});

t.test('bad flags: one clear message, exit 2', async (t) => {
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--frequency', '0']), /^ebpf-pipeline: --frequency must be an integer from 1 to 10000 .*not "0"\n$/);
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--frequency', '20000']), /--frequency must be an integer from 1 to 10000/);
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--bogus']), /^ebpf-pipeline: Unknown option '--bogus'.*see ebpf-pipeline --help\n$/);
  assertOneCleanError(t, await runCli(['profile', '--pid', '999999999']), /^ebpf-pipeline: --pid 999999999: no such process\n$/);
  assertOneCleanError(t, await runCli(['profile', '--pid', 'abc']), /--pid must be a process id/);
  assertOneCleanError(t, await runCli(['profile']), /profile needs exactly one of --pid PID and --comm NAME/);
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--comm', 'x']), /profile needs exactly one of --pid PID and --comm NAME/);
  assertOneCleanError(t, await runCli(['profile', '--comm', 'a-name-longer-than-15']), /--comm must be a thread name of 1 to 15 bytes/);
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--duration', 'soon']), /^ebpf-pipeline: --duration: /);
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--duration', '0s']), /--duration must be more than 0/);
  assertOneCleanError(t, await runCli(['profile', '--pid', '1', '--output', 'x.png']), /--output ".*x\.png": name a \.html \(flame graph\), \.pb\.gz \(pprof\) or \.folded file/);
  assertOneCleanError(t, await runCli(['--config', 'x.yaml', '--pid', '1']), /--pid is a flag of the profile command/);
});
