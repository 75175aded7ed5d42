#!/usr/bin/env node
// Block I/O overhead benchmark: fio 4 KiB random direct reads (or writes) on a
// file on the disk behind /var/tmp at the highest IOPS fio reaches (io_uring,
// queue depth 16), bare and under each tracer; runs interleaved, medians of 3.
// Reports IOPS and mean completion latency per I/O, and the latency each
// tracer adds. Then, once, each BPF program's mean run time (kernel stats).
// Needs root and `npx tsc -p tsconfig.json` (uses dist/).
//
//   node bench/blockio/run.js [--runs 3] [--seconds 3] [--rw randread|randwrite] [--iodepth 16] [--only NAME] [--quick] [--help]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { ONLY_OPTION, benchOptions, requireRoot, selectScenarios, median, startTracer, printTable, writeResults, runMain } = require('../common');

const { runs: RUNS, seconds: SECONDS, rw: RW, iodepth: IODEPTH, only: ONLY } = benchOptions('node bench/blockio/run.js', {
  seconds: { default: 3, quick: 1, help: 'seconds of fio per run' },
  rw: { default: 'randread', help: 'fio --rw: randread or randwrite' },
  iodepth: { default: 16, help: 'fio --iodepth' },
  only: ONLY_OPTION,
});
const SIZE = '256M';

/** Starts a tracer; resolves with stop() once it is attached (and 200 ms more). */
const tracer = (cmd, argv, ready, input = false) => startTracer(cmd, argv, { ready, waitMs: 200, input });

const host = (config, stats = false) => () =>
  tracer(process.execPath, [join(__dirname, 'host.js'), JSON.stringify(config), ...(stats ? ['--stats'] : [])], /^ready /m, true);

const SCENARIOS = [
  { name: 'bare' },
  { name: 'receiver (metrics)', config: {} },
  { name: 'receiver + queue_time + slow 10ms', config: { queue_time: true, slow_threshold: '10ms' } },
  { name: 'biolatency', start: () => tracer('stdbuf', ['-oL', 'biolatency'], /Tracing block device I\/O/) },
];

function fio(file) {
  const out = execFileSync('fio', [
    '--name=bench', `--filename=${file}`, `--size=${SIZE}`, '--direct=1', `--rw=${RW}`, '--bs=4k', '--ioengine=io_uring',
    `--iodepth=${IODEPTH}`, '--time_based', `--runtime=${SECONDS}`, '--ramp_time=0.5', '--output-format=json',
  ], { maxBuffer: 16 << 20 }).toString();
  const job = JSON.parse(out.slice(out.indexOf('{'))).jobs[0];
  const side = RW.includes('write') ? job.write : job.read;
  return { iops: side.iops, clatNs: side.clat_ns.mean, p99Ns: side.clat_ns.percentile?.['99.000000'] };
}

async function main() {
  requireRoot('the tracers load BPF programs');
  const dir = mkdtempSync('/var/tmp/bench-blockio-');
  const file = join(dir, 'fio.dat');
  const scenarios = selectScenarios(SCENARIOS, ONLY);
  const results = new Map(scenarios.map((s) => [s.name, []]));
  const notes = [];
  try {
    execFileSync('fio', ['--name=layout', `--filename=${file}`, `--size=${SIZE}`, '--rw=write', '--bs=1M', '--direct=1', '--output-format=terse'], { stdio: 'ignore' });
    for (let run = 0; run < RUNS; run++) {
      for (const s of scenarios) {
        const tracer = s.start ? await s.start() : s.config ? await host(s.config)() : undefined;
        const r = fio(file);
        if (tracer) {
          const t = await tracer.stop();
          if (s.config && run === 0) notes.push(`${s.name}: ${t.err.trim()}`);
          if (t.failure) notes.push(`${s.name} ${t.failure}`);
        }
        results.get(s.name).push(r);
        process.stderr.write(`run ${run + 1}/${RUNS} ${s.name}: ${r.iops.toFixed(0)} IOPS, ${(r.clatNs / 1000).toFixed(1)} us mean completion latency\n`);
      }
    }
    // Once: where the time goes in the kernel (stats on costs a little itself).
    const stats = await host({ queue_time: true, slow_threshold: '10ms' }, true)();
    fio(file);
    notes.push(`program run times (queue_time + slow 10ms, kernel stats on):\n  ${(await stats.stop()).err.trim().split('\n').join('\n  ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = results.get('bare');
  const bareLat = median(bare.map((r) => r.clatNs));
  const bareIops = median(bare.map((r) => r.iops));
  const rows = scenarios.map((s) => {
    const rs = results.get(s.name);
    const lat = median(rs.map((r) => r.clatNs));
    const iops = median(rs.map((r) => r.iops));
    return {
      scenario: s.name, runs: rs, median_iops: iops, median_clat_ns: lat, added_ns_per_io: lat - bareLat,
      iops_ratio: Number((iops / bareIops).toFixed(3)),
    };
  });
  console.log(`fio ${RW} 4 KiB direct, io_uring, iodepth ${IODEPTH}, ${SECONDS}s per run, file on /var/tmp; medians of ${RUNS} interleaved runs`);
  printTable(['scenario', 'IOPS', 'x bare', 'mean clat us', 'added ns/IO'], rows.map((r) => [
    r.scenario, r.median_iops.toFixed(0), r.iops_ratio.toFixed(3), (r.median_clat_ns / 1000).toFixed(2), r.added_ns_per_io.toFixed(0),
  ]));
  for (const n of notes) console.log(n);
  writeResults('blockio', { date: new Date().toISOString(), rw: RW, iodepth: IODEPTH, seconds: SECONDS, runs: RUNS, rows, notes });
}

runMain(main);
