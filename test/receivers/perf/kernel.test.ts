/**
 * The perf receiver on the real kernel: a workload that burns a known amount
 * of CPU, sampled at 999 Hz; the samples of its pid must match its CPU time
 * times the frequency; the filters; release of every program.
 */
import t from 'tap';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probePerf } from '../../../receivers/perf';
import { cgroup2Mount } from '../../../core/kernel/cgroup';
import { CPU_SAMPLES_METRIC, PerfReceiver } from '../../../receivers/perf/receiver';
import { receiverContext } from '../../support/receiver-context';
import { perfConfig, perfProgramsLoaded, sampleCount, startBurn, withPerfReceiver } from './harness';

const FREQUENCY = 999;
const cannot = probePerf({});
const skip = cannot ? `the perf receiver cannot run here: ${cannot}` : false;
if (skip) t.comment(`skipping: ${skip}`);

t.test('samples of a pid = its CPU time x frequency (pid filter, 999 Hz)', { skip }, async (t) => {
  const burn = await startBurn(1500, 'perfburn');
  let cpuNs = 0;
  const r = await withPerfReceiver({ frequency: FREQUENCY, pids: [burn.pid], collection_interval: '700ms' }, async () => {
    cpuNs = await burn.go();
  });
  const expected = (cpuNs / 1e9) * FREQUENCY;
  const got = sampleCount(r.profiles, (s) => s.labels?.pid === burn.pid);
  t.comment(`cpu ${(cpuNs / 1e6).toFixed(0)} ms -> expected ~${expected.toFixed(0)} samples, got ${got}`);
  t.ok(got >= expected * 0.85 && got <= expected * 1.1, `samples ${got} within 85..110% of ${expected.toFixed(0)}`);
  t.equal(sampleCount(r.profiles), got, 'the pid filter keeps every other process out');
  t.ok(r.profiles.length >= 2, `a profile per interval and one at shutdown (${r.profiles.length})`);
  t.ok(r.intervalBatches >= 1, 'metrics emitted by the interval');
  const metric = r.metrics.find((m) => m.name === CPU_SAMPLES_METRIC && m.attributes['process.executable.name'] === 'perfburn');
  t.equal(metric?.value, got, 'process.cpu.samples equals the profiles\' samples');
  t.match(metric, { type: 'sum', monotonic: true, temporality: 'cumulative', unit: '{sample}', valueType: 'int' });
  for (const p of r.profiles) {
    t.equal(p.period, 1e9 / FREQUENCY, 'period = 1e9 / frequency');
    for (const s of p.samples) t.equal(s.values[1], s.values[0] * (1e9 / FREQUENCY), 'cpu ns = samples x period');
  }
  const user = r.profiles.flatMap((p) => p.samples).filter((s) => s.stack.some((f) => f.kind === 'user' || f.kind === 'unknown'));
  t.ok(user.length > 0, 'samples carry user stacks');
  t.same(r.ctx.telemetry.dropped.size, 0, `nothing dropped (${JSON.stringify([...r.ctx.telemetry.dropped])})`);
  t.equal(await perfProgramsLoaded(), 0, 'nothing stays loaded after shutdown');
});

t.test('comm filter: only threads with that name', { skip }, async (t) => {
  const a = await startBurn(400, 'perfburn_a');
  const b = await startBurn(400, 'perfburn_b');
  const r = await withPerfReceiver({ frequency: FREQUENCY, comms: ['perfburn_a'], collection_interval: '10s' }, async () => {
    await Promise.all([a.go(), b.go()]);
  });
  t.ok(sampleCount(r.profiles, (s) => s.labels?.pid === a.pid) > 100, 'the named workload is sampled');
  t.equal(sampleCount(r.profiles, (s) => s.labels?.pid === b.pid), 0, 'the other is not');
  t.equal(sampleCount(r.profiles, (s) => s.labels?.comm !== 'perfburn_a'), 0, 'no other comm');
});

const cgroupMount = cgroup2Mount();
t.test('cgroup filter: only tasks in that cgroup', { skip: skip || (cgroupMount ? false : 'no cgroup v2 hierarchy is mounted') }, async (t) => {
  const name = `perftest-${process.pid}`;
  const dir = join(cgroupMount as string, name);
  mkdirSync(dir);
  try {
    const inside = await startBurn(300, 'perfburn_in');
    const outside = await startBurn(300, 'perfburn_out');
    writeFileSync(join(dir, 'cgroup.procs'), String(inside.pid));
    const r = await withPerfReceiver({ frequency: FREQUENCY, cgroup: name }, async () => {
      await Promise.all([inside.go(), outside.go()]);
    });
    t.ok(sampleCount(r.profiles, (s) => s.labels?.pid === inside.pid) > 100, 'the process in the cgroup is sampled');
    t.equal(sampleCount(r.profiles, (s) => s.labels?.pid !== inside.pid), 0, 'nothing outside it');
  } finally {
    rmdirSync(dir);
  }
});

t.test('include_kernel: false takes no kernel stacks', { skip }, async (t) => {
  const { spawn } = await import('node:child_process');
  const r = await withPerfReceiver({ frequency: FREQUENCY, comms: ['dd'], include_kernel: false }, async () => {
    await new Promise<void>((resolve, reject) => {
      const dd = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64k', 'count=30000'], { stdio: 'ignore' });
      dd.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dd exited ${code}`))));
    });
  });
  const samples = r.profiles.flatMap((p) => p.samples);
  t.ok(samples.length > 0, 'dd is sampled');
  t.equal(samples.filter((s) => s.stack.some((f) => f.kind === 'kernel')).length, 0, 'no kernel frame');
});

t.test('shutdown is safe before start and twice', { skip }, async (t) => {
  const never = new PerfReceiver(perfConfig({}), receiverContext('perf'));
  await never.shutdown();
  await never.shutdown();
  const r = await withPerfReceiver({ frequency: 49 }, async () => undefined);
  await r.receiver.shutdown();
  t.pass('second shutdown resolved');
  t.equal(await perfProgramsLoaded(), 0, 'nothing loaded');
});
