#!/usr/bin/env node
// What a per-call latency measurement costs, part by part: the getppid loop
// (pinned to CPU 0, its CPU time per call) bare and with one program of
// parts.bpf.c on sys_enter at a time; interleaved runs, medians and minimums
// (the least disturbed run: the better estimate on a shared machine), and
// each part's ns per call over bare. Needs root and `npm run build` (dist/native).
//
//   node bench/syscall/parts.js [--runs 3] [--calls 2000000] [--quick] [--help]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ROOT, benchOptions, requireRoot, compileC, compileBpf, makeBpf, median, printTable, runMain } = require('../common');

const { runs: RUNS, calls: CALLS } = benchOptions('node bench/syscall/parts.js', {
  calls: { default: 2_000_000, quick: 200_000, help: 'getppid calls per run' },
});
const PARTS = {
  bare: undefined,
  'hook (empty program)': 'part_hook',
  'hook + array store': 'part_array',
  'hook + ktime': 'part_ktime',
  'hook + task storage': 'part_storage',
  'hook + task storage + ktime': 'part_storage_ktime',
};

async function main() {
  requireRoot('the bench loads BPF programs');
  const native = require(join(ROOT, 'dist/native/index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-syscall-parts-'));
  const obj = join(dir, 'parts.bpf.o');
  try {
    makeBpf();
    const bin = compileC(join(__dirname, 'getppid.c'), join(dir, 'getppid'));
    compileBpf(join(__dirname, 'parts.bpf.c'), obj);
    const results = Object.fromEntries(Object.keys(PARTS).map((k) => [k, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const [name, program] of Object.entries(PARTS)) {
        let o;
        if (program) {
          o = native.openObject(obj);
          for (const p of o.programs()) o.setAutoload(p, p === program);
          await o.load();
          o.attach(program);
        }
        const [ns] = execFileSync(bin, [String(CALLS), '0']).toString().trim().split(' ').map(Number);
        if (o) await o.close();
        results[name].push(ns);
      }
    }
    const bare = median(results.bare);
    console.log(`getppid loop, ${CALLS} calls on CPU 0, one sys_enter program at a time, median of ${RUNS} runs`);
    const bareMin = Math.min(...results.bare);
    printTable(['part', 'median ns/call', '+ over bare', 'min ns/call', '+ over bare', 'runs'], Object.entries(results).map(([name, xs]) => {
      const m = median(xs);
      const lo = Math.min(...xs);
      return [name, m.toFixed(1), (m - bare).toFixed(1), lo.toFixed(1), (lo - bareMin).toFixed(1), xs.map((x) => x.toFixed(0)).join(' ')];
    }), [0, 5]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
