#!/usr/bin/env node
// Where the tcp receiver's kernel-side cost goes: the loopback connect/close
// loop (connloop.c, client CPU 0, server CPU 1; CPU us per connection, both
// threads) bare and with one set of programs attached at a time: empty
// programs on the receiver's hooks (the floor), the per-connection state kept
// in a hash or in socket storage (parts.bpf.c), and the receiver's own object
// (bpf/tcp.bpf.c) program by program, with no close events streamed (the
// metrics-only configuration: what every configuration pays in the kernel).
// Interleaved runs; medians and minimums (the least disturbed run).
// Needs root and `npm run build` (dist/).
//
// `--stats` reports the programs' own run time instead (kernel BPF run-time
// statistics: runs per connection, ns per run), which the loop's run-to-run
// noise does not blur; the hook's dispatch is not in it (the empty sets give that).
//
//   node bench/tcp/parts.js [--runs 7] [--connections 20000] [--rate 0] [--only NAME] [--stats] [--quick] [--help]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ONLY_OPTION, ROOT, benchOptions, requireRoot, compileC, compileBpf, makeBpf, selectScenarios, median, printTable, runMain } = require('../common');

const { runs: RUNS, connections: CONNECTIONS, rate: RATE, only: ONLY, stats: STATS } = benchOptions('node bench/tcp/parts.js', {
  runs: { default: 7, quick: 1, help: 'runs of each set, interleaved; medians are reported' },
  connections: { default: 20000, quick: 2000, help: 'connections per run' },
  rate: { default: 0, help: 'connections a second the loop holds at most (0: as fast as it can)' },
  only: ONLY_OPTION,
  stats: { default: false, help: 'report the programs\' BPF run-time statistics (runs and ns per connection)' },
});

const RECEIVER = join(ROOT, 'bpf/.output/tcp.bpf.o');
const PARTS = 'parts';
/** Each set: the object and the programs of it attached together. */
const SETS = [
  { name: 'bare' },
  { name: 'empty state', object: PARTS, programs: ['empty_state'] },
  { name: 'empty state + probe', object: PARTS, programs: ['empty_state', 'empty_probe'] },
  { name: 'state in a hash', object: PARTS, programs: ['hash_state'] },
  { name: 'state in a hash, not preallocated', object: PARTS, programs: ['hash_np_state'] },
  { name: 'state in socket storage', object: PARTS, programs: ['sks_state'] },
  { name: 'state in socket storage, no delete', object: PARTS, programs: ['sks_nodelete_state'] },
  { name: 'receiver: state', object: RECEIVER, programs: ['tcp_btf_state'] },
  { name: 'receiver: state + probe', object: RECEIVER, programs: ['tcp_btf_state', 'tcp_btf_probe'] },
  { name: 'receiver: all five', object: RECEIVER, programs: ['tcp_btf_state', 'tcp_btf_probe', 'tcp_btf_retransmit', 'tcp_btf_send_reset', 'tcp_btf_recv_reset'] },
  { name: 'receiver, raw_tp fallback: all five', object: RECEIVER, programs: ['tcp_raw_state', 'tcp_raw_probe', 'tcp_raw_retransmit', 'tcp_raw_send_reset', 'tcp_raw_recv_reset'] },
];

async function main() {
  requireRoot('the bench loads BPF programs');
  const native = require(join(ROOT, 'dist/native/index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-tcp-parts-'));
  const parts = join(dir, 'parts.bpf.o');
  try {
    makeBpf();
    const bin = compileC(join(__dirname, 'connloop.c'), join(dir, 'connloop'), ['-pthread']);
    compileBpf(join(__dirname, 'parts.bpf.c'), parts);
    /** CPU us per connection of one run of the loop. */
    const runLoop = () => Number(execFileSync(bin, [String(CONNECTIONS), '0', '1', String(RATE)]).toString().trim().split(' ')[2]);
    const sets = selectScenarios(SETS, ONLY);
    const results = Object.fromEntries(sets.map((s) => [s.name, []]));
    /** Per set, per program: [runs per connection, ns per run] of each run (--stats). */
    const stats = Object.fromEntries(sets.map((s) => [s.name, {}]));
    const statsOn = STATS ? native.enableStats() : undefined;
    for (let run = 0; run < RUNS; run++) {
      for (const { name, object, programs = [] } of sets) {
        let o;
        if (object) {
          o = native.openObject(object === PARTS ? parts : object);
          for (const p of o.programs()) o.setAutoload(p, programs.includes(p));
          if (object === RECEIVER) o.setConst('emit_events', false);
          await o.load();
          for (const p of programs) o.attach(p);
        }
        results[name].push(runLoop());
        for (const p of STATS && o ? programs : []) {
          const { runCount, runTimeNs } = o.programStats(p);
          (stats[name][p] ??= []).push([Number(runCount) / CONNECTIONS, Number(runTimeNs) / Number(runCount || 1n)]);
        }
        if (o) await o.close();
      }
    }
    statsOn?.close();
    if (STATS) return printStats(stats);
    const bare = median(results.bare);
    const bareMin = Math.min(...results.bare);
    console.log(`loopback connect/close loop, ${CONNECTIONS} connections, CPU us per connection, one set of programs at a time, median of ${RUNS} runs`);
    // Each run of a set is paired with bare's run of the same round (seconds apart): the machine's slow drift cancels.
    printTable(['programs attached', 'median us/conn', '+ us/conn (paired)', 'x bare', 'min us/conn', '+ us/conn (min)', 'runs'], Object.entries(results).map(([name, xs]) => {
      const m = median(xs);
      const added = median(xs.map((x, i) => x - results.bare[i]));
      const lo = Math.min(...xs);
      return [name, m.toFixed(2), added.toFixed(2), ((bare + added) / bare).toFixed(3), lo.toFixed(2), (lo - bareMin).toFixed(2), xs.map((x) => x.toFixed(1)).join(' ')];
    }), [0, 6]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per program of each set: runs per connection, ns per run, ns per connection (medians). */
function printStats(stats) {
  console.log(`BPF run-time statistics over ${CONNECTIONS} connections, medians of ${RUNS} runs (the hook's dispatch not included)`);
  const rows = [];
  for (const [name, programs] of Object.entries(stats)) {
    for (const [p, xs] of Object.entries(programs)) {
      const perConn = median(xs.map(([n]) => n));
      const ns = median(xs.map(([, t]) => t));
      rows.push([name, p, perConn.toFixed(2), ns.toFixed(0), median(xs.map(([n, t]) => n * t / 1000)).toFixed(2)]);
    }
  }
  printTable(['set', 'program', 'runs/conn', 'ns/run', 'us/conn'], rows, [0, 1]);
}

runMain(main);
