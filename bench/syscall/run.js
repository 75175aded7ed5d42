#!/usr/bin/env node
// Syscall overhead benchmark: a tight getppid(2) loop pinned to CPU 0, in ns
// per call (the loop thread's CPU time; wall time is printed too), bare and
// under each tracer (pinned to CPU 1); 3 runs each, interleaved; medians and
// ratios against bare. Needs root.
//
//   node bench/syscall/run.js [--runs 3] [--calls 5000000] [--only NAME]
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('runs', 3));
const CALLS = Number(opt('calls', 5_000_000));
const ONLY = opt('only', undefined);
const LOOP_CPU = 0;
const TRACER_CPU = 1;
const ROOT = join(__dirname, '../..');

/** Goals from the issue, as ratios against bare. */
const GOALS = { 'receiver counts+errors': 1.6, 'receiver with latency': 2.0 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function build(dir) {
  const bin = join(dir, 'getppid');
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, join(__dirname, 'getppid.c')]);
  execFileSync('make', ['-s', '-C', join(ROOT, 'bpf')]);
  const arch = process.arch === 'arm64' ? 'arm64' : 'x86';
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-I', join(ROOT, 'bpf/.output'),
    '-c', join(__dirname, 'floor.bpf.c'), '-o', join(dir, 'floor.bpf.o')]);
  return bin;
}

/** Starts a tracer; resolves with a stop() once it is attached. */
function startTracer(cmd, argv, readyRe, extraWaitMs = 0, input = false) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(TRACER_CPU), cmd, ...argv], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = false;
    const exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', async (d) => {
      out += d;
      if (!ready && readyRe.test(out)) {
        ready = true;
        await sleep(extraWaitMs);
        resolve({
          async stop() {
            if (input) child.stdin.end();
            else child.kill('SIGINT');
            const r = await exited;
            return { out, err, ...r };
          },
        });
      }
    });
    exited.then(({ code }) => { if (!ready) reject(new Error(`${cmd} exited with ${code} before attaching: ${err || out}`)); });
  });
}

function ensureTracefs() {
  if (existsSync('/sys/kernel/tracing/events') || existsSync('/sys/kernel/debug/tracing/events')) return false;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
  return true;
}

const SCENARIOS = [
  { name: 'bare' },
  {
    name: 'floor: raw_tp array counter',
    start: (dir) => startTracer(process.execPath, [join(__dirname, 'floor-host.js'), join(dir, 'floor.bpf.o')], /^ready/m, 300, true),
  },
  {
    name: 'receiver counts+errors',
    start: () => startTracer(process.execPath, [join(__dirname, 'host.js'), JSON.stringify({ latency: false })], /^ready /m, 300, true),
  },
  {
    name: 'receiver with latency',
    start: () => startTracer(process.execPath, [join(__dirname, 'host.js'), JSON.stringify({ latency: true })], /^ready /m, 300, true),
  },
  { name: 'syscount', start: () => startTracer('stdbuf', ['-oL', '/usr/sbin/syscount'], /Tracing syscalls/, 300) },
  {
    name: 'bpftrace count',
    start: () => startTracer('bpftrace', ['-e', 'tracepoint:raw_syscalls:sys_enter { @[args->id] = count(); }'], /Attaching \d+ probe/, 1500),
  },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  if (process.getuid() !== 0) throw new Error('run as root: the tracers load BPF programs');
  const dir = mkdtempSync(join(tmpdir(), 'bench-syscall-'));
  const mountedTracefs = ensureTracefs();
  const bin = build(dir);
  if (mountedTracefs) process.stderr.write('mounted tracefs for syscount and bpftrace (unmounted at the end)\n');
  const scenarios = SCENARIOS.filter((s) => s.name === 'bare' || !ONLY || s.name.includes(ONLY));
  const results = new Map(scenarios.map((s) => [s.name, []]));
  const walls = new Map(scenarios.map((s) => [s.name, []]));
  const notes = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const s of scenarios) {
        const tracer = s.start ? await s.start(dir) : undefined;
        const [ns, wall] = execFileSync(bin, [String(CALLS), String(LOOP_CPU)]).toString().trim().split(' ').map(Number);
        if (tracer) {
          const r = await tracer.stop();
          if (s.name.startsWith('receiver') && run === 0) notes.push(`${s.name}: ${r.err.trim()}`);
          if (r.code !== 0 && r.sig !== 'SIGINT' && r.code !== null) notes.push(`${s.name} exited with ${r.code}: ${r.err.trim()}`);
        }
        results.get(s.name).push(ns);
        walls.get(s.name).push(wall);
        process.stderr.write(`run ${run + 1}/${RUNS} ${s.name}: ${ns} ns/call CPU, ${wall} wall\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (mountedTracefs) execFileSync('umount', ['/sys/kernel/tracing']);
  }
  const bare = median(results.get('bare'));
  const bareMin = Math.min(...results.get('bare'));
  const rows = scenarios.map((s) => {
    const m = median(results.get(s.name));
    const ratio = m / bare;
    // The least disturbed run of each: the steadier figure when the machine is shared.
    const minRatio = Math.min(...results.get(s.name)) / bareMin;
    const goal = GOALS[s.name];
    return {
      scenario: s.name, runs: results.get(s.name), wall_runs: walls.get(s.name), median_wall_ns: median(walls.get(s.name)), median_ns: m,
      ratio: Number(ratio.toFixed(2)), min_ratio: Number(minRatio.toFixed(2)), goal, met: goal === undefined ? undefined : ratio <= goal,
    };
  });
  console.log(`getppid loop, ${CALLS} calls pinned to CPU ${LOOP_CPU}, tracers on CPU ${TRACER_CPU}, median of ${RUNS} runs`);
  console.log('scenario                  CPU ns/call   x bare   min x bare   wall ns/call   goal');
  for (const r of rows) {
    const goal = r.goal === undefined ? '' : `<= ${r.goal}x ${r.met ? 'met' : 'NOT MET'}`;
    console.log(`${r.scenario.padEnd(26)}${r.median_ns.toFixed(1).padStart(11)}   ${r.ratio.toFixed(2).padStart(6)}   ${r.min_ratio.toFixed(2).padStart(10)}   ${r.median_wall_ns.toFixed(1).padStart(12)}   ${goal}`);
  }
  for (const n of notes) console.log(n);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify({ date: new Date().toISOString(), calls: CALLS, runs: RUNS, rows }, null, 2);
  writeFileSync(join(resultsDir, `syscall-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(resultsDir, 'syscall-latest.json'), json);
  if (rows.some((r) => r.met === false)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
