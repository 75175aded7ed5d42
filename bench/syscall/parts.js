#!/usr/bin/env node
// What a per-call latency measurement costs, part by part: the getppid loop
// (pinned to CPU 0, its CPU time per call) bare and with one program of
// parts.bpf.c on sys_enter at a time; interleaved runs, medians and minimums
// (the least disturbed run: the better estimate on a shared machine), and
// each part's ns per call over bare. Needs root and `npm run build` (dist/native).
//
//   node bench/syscall/parts.js [--runs 3] [--calls 2000000]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 3);
const CALLS = opt('calls', 2_000_000);
const ROOT = join(__dirname, '../..');
const PARTS = {
  bare: undefined,
  'hook (empty program)': 'part_hook',
  'hook + array store': 'part_array',
  'hook + ktime': 'part_ktime',
  'hook + task storage': 'part_storage',
  'hook + task storage + ktime': 'part_storage_ktime',
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  if (process.getuid() !== 0) throw new Error('run as root');
  const native = require(join(ROOT, 'dist/native/index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-syscall-parts-'));
  const bin = join(dir, 'getppid');
  const obj = join(dir, 'parts.bpf.o');
  const arch = process.arch === 'arm64' ? 'arm64' : 'x86';
  try {
    execFileSync('make', ['-s', '-C', join(ROOT, 'bpf')]);
    execFileSync('cc', ['-O2', '-o', bin, join(__dirname, 'getppid.c')]);
    execFileSync('clang', ['-g', '-O2', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-I', join(ROOT, 'bpf/.output'), '-c', join(__dirname, 'parts.bpf.c'), '-o', obj]);
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
    console.log('part                             median ns/call   + over bare   min ns/call   + over bare   runs');
    for (const [name, xs] of Object.entries(results)) {
      const m = median(xs);
      const lo = Math.min(...xs);
      console.log(`${name.padEnd(32)}${m.toFixed(1).padStart(15)}   ${(m - bare).toFixed(1).padStart(11)}   ${lo.toFixed(1).padStart(11)}   ${(lo - bareMin).toFixed(1).padStart(11)}   ${xs.map((x) => x.toFixed(0)).join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
