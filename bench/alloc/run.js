#!/usr/bin/env node
// Alloc overhead benchmark: a malloc/free loop pinned to CPU 0, in ns per
// malloc+free pair (the loop thread's CPU time; wall time is printed too),
// bare and under each tracer (pinned to CPU 1); 3 runs each, interleaved;
// medians and ratios against bare. Needs root.
//
//   node bench/alloc/run.js [--runs 3] [--iterations 100000] [--only NAME] [--quick] [--help]
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const {
  ONLY_OPTION, benchOptions, requireRoot, compileC, makeBpf, selectScenarios, median, startTracer, printTable, writeResults, runMain,
} = require('../common');

const { runs: RUNS, iterations: ITERATIONS, only: ONLY } = benchOptions('node bench/alloc/run.js', {
  iterations: { default: 100_000, quick: 20_000, help: 'malloc+free pairs per run' },
  only: ONLY_OPTION,
});
const LOOP_CPU = 0;
const TRACER_CPU = 1;
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

/** Starts a tracer pinned to TRACER_CPU; resolves with a stop() once it is attached. */
const pinned = (cmd, argv, ready, waitMs, input = false) => startTracer(cmd, argv, { ready, waitMs, input, cpu: TRACER_CPU });

/** Starts the loop, waiting on stdin; resolves with its pid and a go() that runs it and returns "cpu wall". */
function startLoop(bin) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [String(ITERATIONS), String(LOOP_CPU)]);
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise((r) => child.on('exit', (code) => r(code)));
    lines.once('line', (line) => {
      const m = /^ready (\d+)$/.exec(line);
      if (!m) return reject(new Error(`mallocloop said ${line}`));
      resolve({
        pid: Number(m[1]),
        async go() {
          const result = new Promise((r) => lines.once('line', r));
          child.stdin.end('go\n');
          const line2 = await result;
          const code = await exited;
          if (code !== 0) throw new Error(`mallocloop exited with ${code}`);
          return line2.trim().split(' ').map(Number);
        },
      });
    });
    child.once('error', reject);
  });
}

const host = (config) => (pid) => pinned(process.execPath, [join(__dirname, 'host.js'), JSON.stringify(config(pid))], /^ready/m, 300, true);

const SCENARIOS = [
  { name: 'bare' },
  { name: 'receiver pid, sample_every 1', start: host((pid) => ({ pids: [pid], sample_every: 1 })) },
  { name: 'receiver pid, sample_every 16', start: host((pid) => ({ pids: [pid], sample_every: 16 })) },
  { name: 'receiver pid, sample_every 256', start: host((pid) => ({ pids: [pid], sample_every: 256 })) },
  { name: 'receiver comms, sample_every 1', start: host(() => ({ comms: ['mallocloop'], sample_every: 1 })) },
  {
    name: 'bpftrace uprobe malloc count',
    start: () => pinned('bpftrace', ['-e', `uprobe:${LIBC}:malloc { @ = count(); }`], /Attaching \d+ probe/, 1500),
  },
  {
    // The receiver's three hooks with a bare counter each: the floor of the kernel's uprobe machinery.
    name: 'bpftrace same 3 hooks, count',
    start: () => pinned('bpftrace', ['-e', `uprobe:${LIBC}:malloc,uretprobe:${LIBC}:malloc,uprobe:${LIBC}:free { @ = count(); }`], /Attaching \d+ probe/, 1500),
  },
];

async function main() {
  requireRoot('the tracers load BPF programs');
  const dir = mkdtempSync(join(tmpdir(), 'bench-alloc-'));
  const bin = compileC(join(__dirname, 'mallocloop.c'), join(dir, 'mallocloop'));
  makeBpf();
  const scenarios = selectScenarios(SCENARIOS, ONLY);
  const results = new Map(scenarios.map((s) => [s.name, []]));
  const walls = new Map(scenarios.map((s) => [s.name, []]));
  const notes = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const s of scenarios) {
        const loop = await startLoop(bin);
        const tracer = s.start ? await s.start(loop.pid) : undefined;
        const [ns, wall] = await loop.go();
        if (tracer) {
          const r = await tracer.stop();
          if (run === 0) notes.push(`${s.name}: ${(s.name.startsWith('bpftrace') ? r.out : r.err).trim().split('\n').slice(-2).join(' ')}`);
          if (r.failure) notes.push(`${s.name} ${r.failure}`);
        }
        results.get(s.name).push(ns);
        walls.get(s.name).push(wall);
        process.stderr.write(`run ${run + 1}/${RUNS} ${s.name}: ${ns} ns/pair CPU, ${wall} wall\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = median(results.get('bare'));
  const rows = scenarios.map((s) => {
    const m = median(results.get(s.name));
    return { scenario: s.name, runs: results.get(s.name), wall_runs: walls.get(s.name), median_wall_ns: median(walls.get(s.name)), median_ns: m, ratio: Number((m / bare).toFixed(2)) };
  });
  console.log(`malloc+free loop, ${ITERATIONS} pairs pinned to CPU ${LOOP_CPU}, tracers on CPU ${TRACER_CPU}, median of ${RUNS} runs`);
  printTable(['scenario', 'CPU ns/pair', 'x bare', 'wall ns/pair'], rows.map((r) => [
    r.scenario, r.median_ns.toFixed(1), r.ratio.toFixed(2), r.median_wall_ns.toFixed(1),
  ]));
  for (const n of notes) console.log(n);
  writeResults('alloc', { date: new Date().toISOString(), iterations: ITERATIONS, runs: RUNS, rows });
}

runMain(main);
