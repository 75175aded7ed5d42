'use strict';
/**
 * In-process operator micro-benchmark, in one (fresh) process on one core:
 * in-memory batches of 1000 records pushed synchronously through RxJS
 * operator chains, timed until the sink has seen every record.
 *
 *   node bench/pipeline/operators.js '<json spec>'
 *   spec: { signal: 'metrics'|'logs', records, runs }
 *
 * Variants (same source and sink, only the operators differ):
 *   identity      pipe(map(b => b))                    baseline: one RxJS hop per batch, no per-record work
 *   native-filter map(b => b.records.filter(predicate))  baseline: the same decision as the CEL
 *                 condition, hand-written in JS (the floor for any per-record filter)
 *   batch         batchOperator({ sendBatchSize: 8192, timeoutMs: 200, sendBatchMaxSize: 0 })
 *   filter        filterOperator({ action: 'drop', conditions: [FILTER_DROP] })
 *   batch+filter  both, in the order of the benchmark pipelines
 *
 * Records are built once (200 distinct batches, cycled); neither operator
 * copies or changes records, so reuse does not help them. Prints `RESULT {json}`.
 */
const { Subject, map, pipe } = require('rxjs');
const { dist, median } = require('../common');
const { FILTER_DROP, keptByFilter, peakRssMb } = require('./common');
const { metricRecord, logRecord } = require('./generate');

const BATCH = 1000;
const DISTINCT_BATCHES = 200;

function main() {
  const spec = JSON.parse(process.argv[2]);
  const { filterOperator } = dist('processors/filter/operator');
  const { batchOperator } = dist('processors/batch/operator');
  const { compileExpression } = dist('core/expression/index');

  const make = spec.signal === 'metrics' ? metricRecord : logRecord;
  const batches = [];
  let keptPerCycle = 0;
  for (let b = 0; b < DISTINCT_BATCHES; b++) {
    const records = [];
    for (let i = 0; i < BATCH; i++) {
      const r = make(b * BATCH + i);
      if (keptByFilter(r)) keptPerCycle++;
      records.push(r);
    }
    batches.push({ signal: spec.signal, records });
  }
  const nBatches = Math.ceil(spec.records / BATCH);
  const total = nBatches * BATCH;
  // Expected survivors of the filter over the whole run.
  let expectedKept = 0;
  for (let k = 0; k < nBatches; k++) expectedKept += batches[k % DISTINCT_BATCHES].records.filter(keptByFilter).length;

  const condition = compileExpression(FILTER_DROP);
  let evaluationErrors = 0;
  const filter = () => filterOperator({ action: 'drop', conditions: [condition], onError: () => evaluationErrors++ });
  const batch = () => batchOperator({ sendBatchSize: 8192, timeoutMs: 200, sendBatchMaxSize: 0 });
  const variants = {
    identity: { op: () => pipe(map((b) => b)), expected: total },
    'native-filter': {
      op: () =>
        map((b) => {
          const records = b.records.filter((r) => {
            const exe = r.attributes['process.executable.name'];
            return exe !== 'ebpf-pipeline' && exe !== 'systemd-journald';
          });
          return { signal: b.signal, records };
        }),
      expected: expectedKept,
    },
    batch: { op: batch, expected: total },
    filter: { op: filter, expected: expectedKept },
    'batch+filter': { op: () => pipe(batch(), filter()), expected: expectedKept },
  };

  const runOnce = (variant) => {
    const source = new Subject();
    let seen = 0;
    let out = 0;
    source.pipe(variant.op()).subscribe((b) => {
      seen += b.records.length;
      out++;
    });
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < nBatches; k++) source.next(batches[k % DISTINCT_BATCHES]);
    source.complete();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (seen !== variant.expected) throw new Error(`sink saw ${seen} records, expected ${variant.expected}`);
    return { seconds, outBatches: out };
  };

  // Warm-up (JIT), then interleaved measured runs so no variant gets a warmer engine.
  for (const v of Object.values(variants)) runOnce(v);
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const outBatches = {};
  for (let r = 0; r < spec.runs; r++) {
    for (const [name, v] of Object.entries(variants)) {
      const res = runOnce(v);
      times[name].push(res.seconds);
      outBatches[name] = res.outBatches;
    }
  }
  const cpu = process.cpuUsage();
  const results = Object.entries(times).map(([name, t]) => {
    const seconds = median(t);
    return { variant: name, records: total, seconds, runs: t, recordsPerSecond: total / seconds, outBatches: outBatches[name], keptRecords: variants[name].expected };
  });
  process.stdout.write(
    `RESULT ${JSON.stringify({ ok: true, signal: spec.signal, evaluationErrors, results, peakRssMb: peakRssMb(), cpuSecondsTotal: (cpu.user + cpu.system) / 1e6 })}\n`,
  );
}

try {
  main();
  process.exit(0);
} catch (err) {
  process.stdout.write(`RESULT ${JSON.stringify({ ok: false, error: String(err && err.stack ? err.stack : err) })}\n`);
  process.exit(1);
}
