#!/usr/bin/env node
// Syscall overhead benchmark: a tight getppid(2) loop pinned to CPU 0, in ns
// per call (the loop thread's CPU time; wall time is printed too), bare and
// under each tracer (pinned to CPU 1); 3 runs each, interleaved; medians and
// ratios against bare. Needs root.
//
//   node bench/syscall/run.js [--runs 3] [--calls 5000000] [--only NAME] [--quick] [--help]
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const {
  ONLY_OPTION, benchOptions, requireRoot, compileC, compileBpf, makeBpf, selectScenarios, median, startTracer, printTable, goalText, writeResults, runMain,
} = require('../common');

const { runs: RUNS, calls: CALLS, only: ONLY } = benchOptions('node bench/syscall/run.js', {
  calls: { default: 5_000_000, quick: 200_000, help: 'getppid calls per run' },
  only: ONLY_OPTION,
});
const LOOP_CPU = 0;
const TRACER_CPU = 1;

/** Goals from the issue, as ratios against bare. */
const GOALS = { 'receiver counts+errors': 1.6, 'receiver with latency': 2.0 };

function build(dir) {
  const bin = compileC(join(__dirname, 'getppid.c'), join(dir, 'getppid'));
  makeBpf();
  compileBpf(join(__dirname, 'floor.bpf.c'), join(dir, 'floor.bpf.o'));
  return bin;
}

/** Starts a tracer pinned to TRACER_CPU; resolves with a stop() once it is attached. */
const pinned = (cmd, argv, ready, waitMs, input = false) => () => startTracer(cmd, argv, { ready, waitMs, input, cpu: TRACER_CPU });
const host = (config) => pinned(process.execPath, [join(__dirname, 'host.js'), JSON.stringify(config)], /^ready /m, 300, true);

function ensureTracefs() {
  if (existsSync('/sys/kernel/tracing/events') || existsSync('/sys/kernel/debug/tracing/events')) return false;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
  return true;
}

const SCENARIOS = [
  { name: 'bare' },
  { name: 'floor: raw_tp array counter', start: (dir) => pinned(process.execPath, [join(__dirname, 'floor-host.js'), join(dir, 'floor.bpf.o')], /^ready/m, 300, true)() },
  { name: 'receiver counts+errors', start: host({ latency: false }) },
  { name: 'receiver with latency', start: host({ latency: true }) },
  { name: 'syscount', start: pinned('stdbuf', ['-oL', '/usr/sbin/syscount'], /Tracing syscalls/, 300) },
  { name: 'bpftrace count', start: pinned('bpftrace', ['-e', 'tracepoint:raw_syscalls:sys_enter { @[args->id] = count(); }'], /Attaching \d+ probe/, 1500) },
];

async function main() {
  requireRoot('the tracers load BPF programs');
  const dir = mkdtempSync(join(tmpdir(), 'bench-syscall-'));
  const mountedTracefs = ensureTracefs();
  const bin = build(dir);
  if (mountedTracefs) process.stderr.write('mounted tracefs for syscount and bpftrace (unmounted at the end)\n');
  const scenarios = selectScenarios(SCENARIOS, ONLY);
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
          if (r.failure) notes.push(`${s.name} ${r.failure}`);
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
  printTable(['scenario', 'CPU ns/call', 'x bare', 'min x bare', 'wall ns/call', 'goal'], rows.map((r) => [
    r.scenario, r.median_ns.toFixed(1), r.ratio.toFixed(2), r.min_ratio.toFixed(2), r.median_wall_ns.toFixed(1), goalText(`<= ${r.goal}x`, r.met),
  ]), [0, 5]);
  for (const n of notes) console.log(n);
  writeResults('syscall', { date: new Date().toISOString(), calls: CALLS, runs: RUNS, rows });
  if (rows.some((r) => r.met === false)) process.exitCode = 1;
}

runMain(main);
