/**
 * The receiver against a reference: libbpf-tools' syscount traces the same
 * workload at the same time; every syscall count of the workload must match.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ensureTracefs } from '../../../native';
import { probeSyscall } from '../../../receivers/syscall';
import { points, startWorkload, withReceiver } from './harness';

const SYSCOUNT = '/usr/sbin/syscount';
const N = 1000;
const M = 50;

/** syscount's summary lines (`name count`) as a map. */
function parseSyscount(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z_0-9]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

const cannot = probeSyscall({}) ?? (existsSync(SYSCOUNT) ? undefined : `${SYSCOUNT} is not installed (Debian: libbpf-tools)`);
const skip = cannot ? `cannot compare with syscount: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('every count equals syscount\'s over the same run', { skip }, async (t) => {
  const { mounted } = ensureTracefs(); // syscount attaches classic tracepoints
  t.teardown(() => {
    if (mounted) execFileSync('umount', ['/sys/kernel/tracing']);
  });
  const w = await startWorkload({ getppid: N, fail: M });
  const sc = spawn('stdbuf', ['-oL', SYSCOUNT, '-p', String(w.pid), '-T', '500']);
  let output = '';
  sc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => sc.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: sc.stdout }).on('line', (line) => {
      if (line.startsWith('Tracing syscalls')) resolve();
    });
    sc.once('exit', (code) => reject(new Error(`syscount exited with ${code}: ${output}`)));
  });
  const r = await withReceiver({ pids: [w.pid], latency: false }, () => w.go());
  sc.kill('SIGINT');
  t.equal(await exited, 0, 'syscount exited cleanly');
  const reference = parseSyscount(output);
  t.equal(reference.get('getppid'), N, 'syscount: getppid');
  const ours = new Map(points(r.metrics, 'syscall.calls').map((m) => [m.attributes['syscall.name'] as string, m.value as number]));
  t.equal(ours.get('getppid'), N, 'ours: getppid');
  t.equal(ours.get('close'), reference.get('close'), `close: ${ours.get('close')} == syscount's`);
  t.same(Object.fromEntries([...ours].sort()), Object.fromEntries([...reference].sort()), 'every syscall of the workload');
});
