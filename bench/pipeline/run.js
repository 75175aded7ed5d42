'use strict';
/**
 * The pipeline benchmark: generates the recordings in a temp dir, runs every
 * scenario `runs` times (each run in a fresh child process, runs
 * interleaved), prints a table of medians and writes it as JSON to
 * bench/results/. See bench/README.md.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ROOT, DIST, ONLY_OPTION, benchOptions, median, printTable, writeResults } = require('../common');
const { generate } = require('./generate');

/** Goals of the issue, checked against the operator micro-benchmark. */
const GOALS = { metricPointsPerSecond: 1_000_000, logRecordsPerSecond: 300_000, rssMb: 200 };

function parseOptions() {
  return benchOptions('node bench/run.js', {
    metrics: { default: 1_000_000, quick: 100_000, help: 'metric points in the recording' },
    logs: { default: 300_000, quick: 30_000, help: 'log records in the recording' },
    only: { ...ONLY_OPTION, help: 'only the scenarios whose name contains this text' },
    keep: { default: false, help: 'keep the temp dir with the recordings' },
    dir: { default: undefined, help: 'write the recordings there instead of a fresh temp dir (kept)' },
  });
}

/** Newest mtime of the files under `dir` whose names end with `ext` (but not `.d.ts`). */
function newestMtime(dir, ext) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext) && !entry.name.endsWith('.d.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function checkDist() {
  const marker = path.join(DIST, 'core', 'index.js');
  if (!fs.existsSync(marker)) throw new Error('dist/ is missing: run `npm run build` first');
  const src = Math.max(...['core', 'receivers', 'processors', 'exporters'].map((d) => newestMtime(path.join(ROOT, d), '.ts')));
  const built = newestMtime(DIST, '.js');
  if (src > built) console.warn('warning: some .ts sources are newer than dist/: run `npm run build` for current figures');
}

/** Runs a bench script in a fresh node process; returns its RESULT object. */
function child(script, spec) {
  let stdout;
  try {
    stdout = execFileSync(process.execPath, [path.join(__dirname, script), JSON.stringify(spec)], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  } catch (err) {
    stdout = String(err.stdout ?? '');
    if (!stdout.includes('RESULT ')) return { ok: false, error: err.message };
  }
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return line ? JSON.parse(line.slice(7)) : { ok: false, error: 'no RESULT line' };
}

function collectorScenarios(rec, tmp) {
  const m = rec.metrics;
  const l = rec.logs;
  const out = (name) => path.join(tmp, `out-${name}.jsonl`);
  return [
    { name: 'metrics: replay -> noop', baselineOf: 'metrics', signal: 'metrics', recording: m.file, total: m.records, expected: m.records, exporter: 'noop', processors: false },
    { name: 'metrics: replay -> file', baseline: 'metrics: replay -> noop', signal: 'metrics', recording: m.file, total: m.records, expected: m.records, exporter: 'file', processors: false, outFile: out('m-file') },
    { name: 'metrics: replay -> batch -> filter -> file', baseline: 'metrics: replay -> noop', signal: 'metrics', recording: m.file, total: m.records, expected: m.keptByFilter, exporter: 'file', processors: true, outFile: out('m-bf-file') },
    { name: 'metrics: replay -> batch -> filter -> prometheus', baseline: 'metrics: replay -> noop', signal: 'metrics', recording: m.file, total: m.records, expected: m.keptByFilter, exporter: 'prometheus', processors: true, expectSeries: Math.round((m.series * m.keptByFilter) / m.records) },
    { name: 'logs: replay -> noop', baselineOf: 'logs', signal: 'logs', recording: l.file, total: l.records, expected: l.records, exporter: 'noop', processors: false },
    { name: 'logs: replay -> file', baseline: 'logs: replay -> noop', signal: 'logs', recording: l.file, total: l.records, expected: l.records, exporter: 'file', processors: false, outFile: out('l-file') },
    { name: 'logs: replay -> batch -> filter -> file', baseline: 'logs: replay -> noop', signal: 'logs', recording: l.file, total: l.records, expected: l.keptByFilter, exporter: 'file', processors: true, outFile: out('l-bf-file') },
  ];
}

function fmt(n, digits = 0) {
  if (n === undefined || n === null || Number.isNaN(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Prints the result rows (collector scenarios and operator variants) as a table. */
function printRows(rows) {
  const head = ['scenario', 'records', 'seconds', 'records/s', 'ratio', 'vs baseline', 'peak RSS MB', 'CPU s', 'notes'];
  printTable(head, rows.map((r) => [
    r.scenario,
    fmt(r.records),
    fmt(r.seconds, 3),
    fmt(r.recordsPerSecond),
    r.ratio === undefined ? '-' : fmt(r.ratio, 3),
    r.baseline ?? '(baseline)',
    fmt(r.peakRssMb, 1),
    fmt(r.cpuSeconds, 2),
    r.notes ?? '',
  ]), [0, 5, 8]);
}

function main() {
  const opts = parseOptions();
  checkDist();
  const tmp = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ebpf-pipeline-bench-'));
  const started = Date.now();
  try {
    process.stderr.write(`generating ${opts.metrics} metric points and ${opts.logs} log records in ${tmp} ... `);
    const t = Date.now();
    const rec = generate(tmp, opts.metrics, opts.logs);
    process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)} s (${fmt(rec.metrics.bytes / 2 ** 20)} MB + ${fmt(rec.logs.bytes / 2 ** 20)} MB)\n`);

    const selected = (name) => !opts.only || name.includes(opts.only);
    const scenarios = collectorScenarios(rec, tmp).filter((s) => selected(s.name));
    const runs = new Map(scenarios.map((s) => [s.name, []]));
    for (let r = 0; r < opts.runs; r++) {
      for (const s of scenarios) {
        if (s.outFile) fs.rmSync(s.outFile, { force: true });
        process.stderr.write(`run ${r + 1}/${opts.runs}: ${s.name} ... `);
        const res = child('scenario.js', s);
        if (s.outFile) fs.rmSync(s.outFile, { force: true });
        process.stderr.write(res.ok ? `${res.seconds.toFixed(2)} s\n` : `FAILED ${res.error ?? '(timeout)'}\n`);
        runs.get(s.name).push(res);
      }
    }

    const rows = [];
    const byName = new Map();
    for (const s of scenarios) {
      const all = runs.get(s.name);
      const good = all.filter((x) => x.ok);
      if (good.length === 0) {
        rows.push({ scenario: s.name, records: s.total, notes: `FAILED: ${all[0]?.error ?? 'timeout'}`.slice(0, 120), runs: all });
        continue;
      }
      const seconds = median(good.map((x) => x.seconds));
      const last = good[good.length - 1];
      const exp = last.counters.find((c) => c.kind === 'exporter');
      const dropped = Object.entries(exp?.dropped ?? {}).map(([k, v]) => `${k}=${v}`);
      const notes = [];
      if (s.processors) notes.push(`${fmt(s.expected)} kept`);
      if (dropped.length) notes.push(`exporter dropped ${dropped.join(',')}`);
      if (last.prometheus) notes.push(`scrape: ${last.prometheus.syscallCallsSeries} series (expected ${s.expectSeries}), ${fmt(last.prometheus.scrapeMs)} ms`);
      const row = {
        scenario: s.name,
        records: s.total,
        seconds,
        recordsPerSecond: s.total / seconds,
        baseline: s.baseline,
        peakRssMb: Math.max(...good.map((x) => x.peakRssMb)),
        cpuSeconds: median(good.map((x) => x.cpuSeconds)),
        recordsPerCpuSecond: s.total / median(good.map((x) => x.cpuSeconds)),
        notes: notes.join('; '),
        runsSeconds: all.map((x) => x.seconds),
        failedRuns: all.length - good.length,
        startSeconds: median(good.map((x) => x.startSeconds)),
        rssBeforeStartMb: median(good.map((x) => x.rssBeforeStartMb)),
        meanRssMb: median(good.map((x) => x.meanRssMb)),
        maxHeapUsedMb: Math.max(...good.map((x) => x.maxHeapUsedMb)),
        maxQueuedAtExporter: Math.max(...good.map((x) => x.maxQueuedAtExporter)),
        counters: last.counters,
        prometheus: last.prometheus,
      };
      byName.set(s.name, row);
      rows.push(row);
    }
    for (const row of rows) {
      const base = row.baseline && byName.get(row.baseline);
      if (base) row.ratio = row.recordsPerSecond / base.recordsPerSecond;
    }

    // Operator micro-benchmark and stage breakdown: one process each per signal.
    const micro = [];
    const stages = [];
    for (const [signal, count] of [['metrics', opts.metrics], ['logs', opts.logs]]) {
      if (opts.only && !`operators ${signal}`.includes(opts.only) && !`stages ${signal}`.includes(opts.only)) continue;
      const microRuns = Math.max(opts.runs, 5);
      process.stderr.write(`operators (${signal}, warm-up + ${microRuns} runs in one process) ... `);
      const res = child('operators.js', { signal, records: count, runs: microRuns });
      process.stderr.write(res.ok ? 'done\n' : `FAILED ${res.error}\n`);
      if (res.ok) {
        const rate = Object.fromEntries(res.results.map((r) => [r.variant, r.recordsPerSecond]));
        for (const r of res.results) {
          const baseline = r.variant === 'identity' ? undefined : r.variant === 'filter' || r.variant === 'batch+filter' ? 'native-filter' : 'identity';
          const row = {
            scenario: `operators ${signal}: ${r.variant}`,
            records: r.records,
            seconds: r.seconds,
            recordsPerSecond: r.recordsPerSecond,
            ratio: baseline ? r.recordsPerSecond / rate[baseline] : undefined,
            baseline: baseline ? `operators ${signal}: ${baseline}` : undefined,
            peakRssMb: res.peakRssMb,
            notes: r.variant === 'identity' ? 'per-batch only' : `${fmt(r.keptRecords)} out, ${r.outBatches} batches`,
            runsSeconds: r.runs,
          };
          micro.push(row);
        }
      }
      process.stderr.write(`stages (${signal}) ... `);
      const st = child('stages.js', { signal, recording: rec[signal].file, lines: signal === 'metrics' ? 200 : 100, runs: 3, totalRecords: rec[signal].records });
      process.stderr.write(st.ok ? 'done\n' : `FAILED ${st.error}\n`);
      if (st.ok) stages.push(st);
    }

    console.log('');
    printRows([...rows, ...micro]);
    console.log('\nratio = records/s of the scenario / records/s of its baseline (same run). Collector rows: median of', opts.runs, 'fresh-process runs;');
    console.log('peak RSS = highest VmHWM over the runs; CPU s = user+system of the process (all threads): when CPU s is well');
    console.log('below seconds, the machine was busy with something else and the wall-clock figures are pessimistic.');
    console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);

    // Differences between collector scenarios: what each added part costs per record.
    const derived = [];
    for (const sig of ['metrics', 'logs']) {
      const noop = byName.get(`${sig}: replay -> noop`);
      const file = byName.get(`${sig}: replay -> file`);
      const bf = byName.get(`${sig}: replay -> batch -> filter -> file`);
      const prom = byName.get(`${sig}: replay -> batch -> filter -> prometheus`);
      const ns = (a, b) => ((a.seconds - b.seconds) / a.records) * 1e9;
      if (noop) derived.push({ what: `${sig}: replay decode floor (read + JSON.parse + decode + engine)`, nsPerRecord: (noop.seconds / noop.records) * 1e9 });
      if (noop && file) derived.push({ what: `${sig}: file exporter (encode + stringify + write)`, nsPerRecord: ns(file, noop) });
      if (file && bf) derived.push({ what: `${sig}: batch + filter processors, in the collector`, nsPerRecord: ns(bf, file) });
      if (bf && prom) derived.push({ what: `${sig}: prometheus instead of file exporter`, nsPerRecord: ns(prom, bf) });
    }
    if (derived.length) {
      console.log('\nwhat each part adds (difference of median times, ns per input record; negative = cheaper):');
      for (const d of derived) console.log(`  ${d.what}: ${fmt(d.nsPerRecord)}`);
    }

    if (stages.length) {
      console.log('\nwhere the time goes (one line at a time, in memory; ns per record):');
      for (const st of stages) {
        console.log(`  ${st.signal}: ${st.rows.map((r) => `${r.stage} ${fmt(r.nsPerRecord)}`).join(' | ')}`);
      }
    }

    const goals = [];
    const opm = micro.find((r) => r.scenario === 'operators metrics: batch+filter');
    const opl = micro.find((r) => r.scenario === 'operators logs: batch+filter');
    if (opm) goals.push({ goal: 'metric points/s through batch+filter (one core)', target: GOALS.metricPointsPerSecond, measured: opm.recordsPerSecond, ratio: opm.recordsPerSecond / GOALS.metricPointsPerSecond });
    if (opl) goals.push({ goal: 'log records/s through batch+filter (one core)', target: GOALS.logRecordsPerSecond, measured: opl.recordsPerSecond, ratio: opl.recordsPerSecond / GOALS.logRecordsPerSecond });
    const e2eM = byName.get('metrics: replay -> batch -> filter -> file');
    const e2eL = byName.get('logs: replay -> batch -> filter -> file');
    if (e2eM) goals.push({ goal: 'metric points/s end to end, replay -> batch -> filter -> file', target: GOALS.metricPointsPerSecond, measured: e2eM.recordsPerSecond, ratio: e2eM.recordsPerSecond / GOALS.metricPointsPerSecond });
    if (e2eL) goals.push({ goal: 'log records/s end to end, replay -> batch -> filter -> file', target: GOALS.logRecordsPerSecond, measured: e2eL.recordsPerSecond, ratio: e2eL.recordsPerSecond / GOALS.logRecordsPerSecond });
    const peak = Math.max(...rows.filter((r) => r.peakRssMb).map((r) => r.peakRssMb));
    if (Number.isFinite(peak)) goals.push({ goal: 'peak RSS of any collector scenario (MB)', target: GOALS.rssMb, measured: peak, ratio: peak / GOALS.rssMb, lowerIsBetter: true });
    console.log('\ngoals:');
    for (const g of goals) {
      const met = g.lowerIsBetter ? g.measured <= g.target : g.measured >= g.target;
      console.log(`  ${met ? 'met    ' : 'NOT met'}  ${g.goal}: ${fmt(g.measured, g.lowerIsBetter ? 1 : 0)} vs ${fmt(g.target)} (x${fmt(g.ratio, 2)})`);
      g.met = met;
    }

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      loadAverageAtEnd: os.loadavg(),
      cpuModel: os.cpus()[0]?.model,
      options: { runs: opts.runs, metrics: opts.metrics, logs: opts.logs, only: opts.only },
      recordings: rec,
      scenarios: rows,
      operators: micro,
      stages,
      derived,
      goals,
      totalSeconds: (Date.now() - started) / 1000,
    };
    const file = writeResults('pipeline', result);
    console.log(`\nwritten to ${file} (and pipeline-latest.json); total ${fmt(result.totalSeconds, 1)} s`);
  } finally {
    if (!opts.keep && !opts.dir) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`recordings kept in ${tmp}`);
  }
}

module.exports = { main };
if (require.main === module) main();
