#!/usr/bin/env node
// Block I/O overhead benchmark: fio 4 KiB random direct reads (or writes) on a
// file on the disk behind /var/tmp at the highest IOPS fio reaches (io_uring,
// queue depth 16), bare and under each tracer; runs interleaved, medians of 3.
// Reports IOPS and mean completion latency per I/O, and the latency each
// tracer adds. Then, once, each BPF program's mean run time (kernel stats).
// Needs root and `npx tsc -p tsconfig.json` (uses dist/).
//
//   node bench/blockio/run.js [--runs 3] [--seconds 3] [--rw randread|randwrite] [--iodepth 16] [--only NAME]
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(opt('runs', 3));
const SECONDS = Number(opt('seconds', 3));
const RW = opt('rw', 'randread');
const IODEPTH = Number(opt('iodepth', 16));
const ONLY = opt('only', undefined);
const SIZE = '256M';
const ROOT = join(__dirname, '../..');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a tracer; resolves with stop() once it is attached. */
function startTracer(cmd, argv, readyRe, input = false) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = false;
    const exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', async (d) => {
      out += d;
      if (!ready && readyRe.test(out)) {
        ready = true;
        await sleep(200);
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

const host = (config, stats = false) => () =>
  startTracer(process.execPath, [join(__dirname, 'host.js'), JSON.stringify(config), ...(stats ? ['--stats'] : [])], /^ready /m, true);

const SCENARIOS = [
  { name: 'bare' },
  { name: 'receiver (metrics)', config: {} },
  { name: 'receiver + queue_time + slow 10ms', config: { queue_time: true, slow_threshold: '10ms' } },
  { name: 'biolatency', start: () => startTracer('stdbuf', ['-oL', 'biolatency'], /Tracing block device I\/O/) },
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

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  if (process.getuid() !== 0) throw new Error('run as root: the tracers load BPF programs');
  const dir = mkdtempSync('/var/tmp/bench-blockio-');
  const file = join(dir, 'fio.dat');
  const scenarios = SCENARIOS.filter((s) => s.name === 'bare' || !ONLY || s.name.includes(ONLY));
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
          if (t.code && t.sig !== 'SIGINT') notes.push(`${s.name} exited with ${t.code}: ${t.err.trim()}`);
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
  console.log('scenario                              IOPS   x bare   mean clat us   added ns/IO');
  for (const r of rows) {
    console.log(`${r.scenario.padEnd(34)}${r.median_iops.toFixed(0).padStart(8)}   ${r.iops_ratio.toFixed(3).padStart(6)}   ${(r.median_clat_ns / 1000).toFixed(2).padStart(12)}   ${r.added_ns_per_io.toFixed(0).padStart(11)}`);
  }
  for (const n of notes) console.log(n);
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify({ date: new Date().toISOString(), rw: RW, iodepth: IODEPTH, seconds: SECONDS, runs: RUNS, rows, notes }, null, 2);
  writeFileSync(join(resultsDir, `blockio-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(resultsDir, 'blockio-latest.json'), json);
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
