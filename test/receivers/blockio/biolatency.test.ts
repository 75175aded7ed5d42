/**
 * The blockio receiver next to libbpf-tools `biolatency` over the same
 * workload on a loop device of our own: both measure issue -> complete of
 * every request, so the totals must be equal (writes, the flushes O_SYNC
 * adds, reads).
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { probeBlockio } from '../../../receivers/blockio';
import { attachLoop, loopMissing, points, runPass, sleep, total, withReceiver } from './harness';

const K = 32;
const BLOCK = 4096;

function biolatencyMissing(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v biolatency'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'biolatency (libbpf-tools) is not installed';
  }
}

const cannot = probeBlockio() ?? loopMissing() ?? biolatencyMissing();
const skip = cannot ? `cannot run: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

/** A running biolatency: stop() ends it (SIGINT) and resolves with its histogram's total count. */
interface Biolatency {
  stop(): Promise<{ total: number; text: string }>;
}

/** Runs `biolatency -d NAME` until stopped; resolves once it is tracing. */
async function startBiolatency(name: string): Promise<Biolatency> {
  // Line-buffered, so "Tracing..." arrives when it is attached, not at exit.
  const child = spawn('stdbuf', ['-oL', 'biolatency', '-d', name]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ total: number; text: string }>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`biolatency exited with ${code}: ${out}`));
      let n = 0;
      for (const m of out.matchAll(/^\s*\d+ -> \d+\s*: (\d+)/gm)) n += Number(m[1]);
      resolve({ total: n, text: out });
    });
  });
  for (let waited = 0; !/Tracing block device I\/O/.test(out); waited += 20) {
    if (waited > 5000) throw new Error(`biolatency did not start: ${out}`);
    await sleep(20);
  }
  return {
    stop: () => {
      child.kill('SIGINT');
      return done;
    },
  };
}

t.test('same totals as biolatency on the same requests', { skip }, async (t) => {
  const loop = attachLoop(K * BLOCK * 2);
  t.teardown(() => loop.detach());
  let bio: { total: number; text: string } | undefined;
  const r = await withReceiver({ devices: [loop.name] }, async () => {
    const biolatency = await startBiolatency(loop.name);
    await runPass(loop.device, K, 'write');
    await runPass(loop.device, K, 'read');
    bio = await biolatency.stop();
  });
  if (!bio) return;
  const ours = total(r.metrics, 'disk.operations', { 'system.device': loop.name });
  t.equal(total(r.metrics, 'disk.operations', { 'disk.io.direction': 'write' }), K, `${K} writes`);
  t.equal(total(r.metrics, 'disk.operations', { 'disk.io.direction': 'read' }), K, `${K} reads`);
  t.ok(bio.total >= 2 * K, `biolatency saw at least our ${2 * K} reads and writes: ${bio.total}`);
  t.equal(ours, bio.total, `our operations (${ours}, with ${total(r.metrics, 'disk.operations', { 'disk.io.direction': 'flush' })} flushes) equal biolatency's count`);
  const histCount = points(r.metrics, 'disk.operation.duration').reduce((n, m) => n + (m.histogram?.count ?? 0), 0);
  t.equal(histCount, bio.total, 'and so do our histograms\' counts');
  t.comment(bio.text.trim());
});
