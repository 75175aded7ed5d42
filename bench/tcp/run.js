#!/usr/bin/env node
// TCP receiver overhead: connections per second of a loopback connect/close
// loop (connloop.c: client on CPU 0, server thread on CPU 1), bare and under
// each tracer; interleaved runs, medians, ratios against bare. Also the CPU
// time per connection, the loop's (kernel-side BPF work included) plus the
// tracer process's: the stable figure on a shared machine. Needs root.
//
//   node bench/tcp/run.js [--runs 3] [--connections 20000] [--only NAME]
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('runs', 3));
const CONNECTIONS = Number(opt('connections', 20000));
const ONLY = opt('only', undefined);
const ROOT = join(__dirname, '../..');

/** Goal from the issue: under 10% fewer connections per second than bare. */
const GOALS = { 'receiver (default)': 0.9, 'receiver, no spans': 0.9 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Time the loop's last connections get to finish closing (and the tracer to see it) before the tracer stops, ms. */
const SETTLE_MS = 300;

/** CPU time (user + system, every thread) of a process so far, us; from /proc/PID/stat (clock ticks). */
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / 100);
}

/** Starts a tracer (sharing the CPUs with the loop: the realistic case); resolves with stop() once attached. */
function startTracer(cmd, argv, readyRe, extraWaitMs, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = false;
    const exited = new Promise((r) => child.on('close', (code, sig) => r({ code, sig })));
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', async (d) => {
      out += d;
      if (!ready && readyRe.test(out)) {
        ready = true;
        await sleep(extraWaitMs);
        const cpu0 = cpuUs(child.pid);
        resolve({
          /** The tracer's CPU time since it was ready, us. */
          cpu: () => cpuUs(child.pid) - cpu0,
          async stop() {
            if (input) child.stdin.end();
            else child.kill('SIGINT');
            const status = await exited;
            return { out, err, ...status };
          },
        });
      }
    });
    exited.then(({ code }) => { if (!ready) reject(new Error(`${cmd} exited with ${code} before attaching: ${err || out}`)); });
  });
}

const host = (config) => () => startTracer(process.execPath, [join(__dirname, 'host.js'), JSON.stringify(config)], /^ready /m, 300, true);

const SCENARIOS = [
  { name: 'bare' },
  { name: 'receiver (default)', start: host({}) },
  { name: 'receiver, no spans', start: host({ connection_events: false }) },
  { name: 'receiver, peer_attributes', start: host({ peer_attributes: true }) },
  { name: 'tcplife', start: () => startTracer('stdbuf', ['-oL', '/usr/sbin/tcplife'], /^PID/m, 300, false) },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  if (process.getuid() !== 0) throw new Error('run as root: the tracers load BPF programs');
  const dir = mkdtempSync(join(tmpdir(), 'bench-tcp-'));
  const bin = join(dir, 'connloop');
  execFileSync('cc', ['-O2', '-Wall', '-pthread', '-o', bin, join(__dirname, 'connloop.c')]);
  execFileSync('make', ['-s', '-C', join(ROOT, 'bpf')]);
  const scenarios = SCENARIOS.filter((s) => s.name === 'bare' || !ONLY || s.name.includes(ONLY));
  const results = new Map(scenarios.map((s) => [s.name, []]));
  const cpus = new Map(scenarios.map((s) => [s.name, []]));
  const notes = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const s of scenarios) {
        const tracer = s.start ? await s.start() : undefined;
        const [rate, , loopCpu] = execFileSync(bin, [String(CONNECTIONS), '0', '1']).toString().trim().split(' ').map(Number);
        let tracerCpu = 0;
        if (tracer) {
          await sleep(SETTLE_MS);
          tracerCpu = tracer.cpu() / CONNECTIONS;
          const r = await tracer.stop();
          if (s.name.startsWith('receiver')) notes.push(`run ${run + 1} ${s.name}: ${r.err.trim()}`);
        }
        results.get(s.name).push(rate);
        cpus.get(s.name).push({ loop: loopCpu, tracer: tracerCpu });
        process.stderr.write(`run ${run + 1}/${RUNS} ${s.name}: ${rate} connections/s, CPU us/connection: loop ${loopCpu.toFixed(2)} + tracer ${tracerCpu.toFixed(2)}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = median(results.get('bare'));
  const bareCpu = median(cpus.get('bare').map((c) => c.loop));
  const rows = scenarios.map((s) => {
    const m = median(results.get(s.name));
    const ratio = m / bare;
    const loopCpu = median(cpus.get(s.name).map((c) => c.loop));
    const tracerCpu = median(cpus.get(s.name).map((c) => c.tracer));
    // Connections per CPU-second, against bare: what a CPU-bound machine would lose.
    const cpuRatio = bareCpu / (loopCpu + tracerCpu);
    const goal = GOALS[s.name];
    return {
      scenario: s.name, runs: results.get(s.name), median: m, ratio: Number(ratio.toFixed(3)), cpu_runs: cpus.get(s.name),
      loop_cpu_us: loopCpu, tracer_cpu_us: tracerCpu, cpu_ratio: Number(cpuRatio.toFixed(3)),
      goal, met: goal === undefined ? undefined : cpuRatio >= goal,
    };
  });
  console.log(`loopback connect/close loop, ${CONNECTIONS} connections (client CPU 0, server CPU 1), median of ${RUNS} runs`);
  console.log('scenario                     conn/s   x bare   loop CPU us/conn   tracer CPU us/conn   conn/CPU-s x bare   goal');
  for (const r of rows) {
    const goal = r.goal === undefined ? '' : `>= ${r.goal}x ${r.met ? 'met' : 'NOT MET'}`;
    console.log(`${r.scenario.padEnd(26)}${r.median.toFixed(0).padStart(9)}   ${r.ratio.toFixed(3).padStart(6)}   ${r.loop_cpu_us.toFixed(2).padStart(16)}   ${r.tracer_cpu_us.toFixed(2).padStart(18)}   ${r.cpu_ratio.toFixed(3).padStart(17)}   ${goal}`);
  }
  for (const n of notes) console.log(n);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify({ date: new Date().toISOString(), connections: CONNECTIONS, runs: RUNS, rows }, null, 2);
  writeFileSync(join(resultsDir, `tcp-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(resultsDir, 'tcp-latest.json'), json);
  if (rows.some((r) => r.met === false)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
