#!/usr/bin/env node
// The floor of the open loop on this machine: the loop (open + close of an
// unwatched file, pinned to CPU 0, CPU ns per iteration) bare and with one
// set of programs of parts.bpf.c attached at a time: empty programs on each
// hook the security receiver could use, then the receiver's unwatched-open
// path stage by stage, so the price of each is known before the receiver
// does any work. `--workload getppid` runs bench/syscall/getppid.c instead
// (a syscall the receiver does not watch: what every other syscall pays).
// Interleaved runs; medians and minimums (the least disturbed run).
// Needs root and `npm run build` (dist/).
//
//   node bench/security/parts.js [--runs 5] [--opens 200000] [--workload open|getppid] [--quick] [--help]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ROOT, benchOptions, requireRoot, compileC, compileBpf, makeBpf, median, printTable, runMain } = require('../common');

const { runs: RUNS, opens: OPENS, workload: WORKLOAD } = benchOptions('node bench/security/parts.js', {
  runs: { default: 5, quick: 1, help: 'runs of each set, interleaved; medians are reported' },
  opens: { default: 200_000, quick: 20_000, help: 'open + close iterations per run (getppid: 5x as many calls)' },
  workload: { default: 'open', help: 'open (open + close of an unwatched file) or getppid' },
});
/** Each set of programs attached together (names in parts.bpf.c). */
const SETS = {
  bare: [],
  'tp_btf sys_enter': ['btf_enter'],
  'tp_btf sys_enter + sys_exit': ['btf_enter', 'btf_exit'],
  'raw_tp sys_enter + sys_exit': ['raw_enter', 'raw_exit'],
  'tracepoint raw_syscalls enter + exit': ['tp_raw_enter', 'tp_raw_exit'],
  'tracepoint sys_enter_openat': ['tp_openat_enter'],
  'tracepoint sys_enter/exit_openat': ['tp_openat_enter', 'tp_openat_exit'],
  'tracepoint sys_enter_getppid': ['tp_getppid_enter'],
  'tp_btf pair + openat check': ['stage_check_enter', 'stage_check_exit'],
  'tp_btf pair + openat check + path read': ['stage_read_enter', 'stage_check_exit'],
  'tp_btf pair + openat check + 8-byte user read': ['stage_read8_enter', 'stage_check_exit'],
  'tp_btf pair + openat check + path read + prefix trie': ['stage_lpm_enter', 'stage_check_exit'],
};

async function main() {
  requireRoot('the bench loads BPF programs');
  const native = require(join(ROOT, 'dist/native/index.js'));
  const { DEFAULT_WATCHED_PATHS } = require(join(ROOT, 'dist/receivers/security/config.js'));
  const { prefixKey } = require(join(ROOT, 'dist/receivers/security/receiver.js'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-security-parts-'));
  const obj = join(dir, 'parts.bpf.o');
  try {
    makeBpf();
    if (WORKLOAD !== 'open' && WORKLOAD !== 'getppid') throw new Error(`--workload is open or getppid, not ${WORKLOAD}`);
    const bin = WORKLOAD === 'open'
      ? compileC(join(__dirname, 'loops.c'), join(dir, 'loops'), ['-pthread'])
      : compileC(join(__dirname, '../syscall/getppid.c'), join(dir, 'getppid'));
    const file = join(dir, 'unwatched');
    writeFileSync(file, 'x');
    /** CPU ns per iteration of one run of the workload. */
    const runLoop = () => WORKLOAD === 'open'
      ? Number(execFileSync(bin, ['open', String(OPENS), '0', file]).toString().trim().split(' ')[1])
      : Number(execFileSync(bin, [String(OPENS * 5), '0']).toString().trim().split(' ')[0]);
    compileBpf(join(__dirname, 'parts.bpf.c'), obj);
    const results = Object.fromEntries(Object.keys(SETS).map((k) => [k, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const [name, programs] of Object.entries(SETS)) {
        let o;
        if (programs.length > 0) {
          o = native.openObject(obj);
          for (const p of o.programs()) o.setAutoload(p, programs.includes(p));
          await o.load();
          const trie = o.map('prefixes');
          for (const prefix of DEFAULT_WATCHED_PATHS) trie.update(prefixKey(prefix), Buffer.from([1]));
          for (const p of programs) o.attach(p);
        }
        const cpuNs = runLoop();
        if (o) await o.close();
        results[name].push(cpuNs);
      }
    }
    const bare = median(results.bare);
    const bareMin = Math.min(...results.bare);
    const what = WORKLOAD === 'open' ? `open + close loop, ${OPENS} iterations` : `getppid loop, ${OPENS * 5} calls`;
    console.log(`${what} on CPU 0, CPU ns per iteration, one set of programs at a time, median of ${RUNS} runs`);
    printTable(['programs attached', 'median ns/iter', 'x bare', 'min ns/iter', 'x bare (min)', 'runs'], Object.entries(results).map(([name, xs]) => {
      const m = median(xs);
      const lo = Math.min(...xs);
      return [name, m.toFixed(0), (m / bare).toFixed(3), lo.toFixed(0), (lo / bareMin).toFixed(3), xs.map((x) => x.toFixed(0)).join(' ')];
    }), [0, 5]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
