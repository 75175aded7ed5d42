'use strict';
/**
 * Where the time goes: each stage of the replay -> batch -> filter -> file
 * path timed alone, in one (fresh) process, on the first `lines` lines of a
 * recording held in memory (so no I/O but the read stage).
 *
 *   node bench/pipeline/stages.js '<json spec>'
 *   spec: { signal, recording, lines, runs }
 *
 * Stages: read (readline over the whole file, no parsing), JSON.parse,
 * decodeRequestLine (OTLP/JSON objects -> records), CEL filter evaluate per
 * record, encodeRequest (records -> OTLP/JSON objects, 1000 per batch),
 * JSON.stringify. The in-memory stages run line by line, as the pipeline
 * does, so each line's objects die young and GC lands in the stage that
 * causes it. Prints `RESULT {json}`.
 */
const fs = require('node:fs');
const readline = require('node:readline');
const { dist, median } = require('../common');
const { FILTER_DROP } = require('./common');

async function readAll(file, maxLines) {
  const lines = [];
  let count = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    count++;
    bytes += line.length + 1;
    if (lines.length < maxLines) lines.push(line);
  }
  return { lines, count, bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, out };
}

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const { decodeRequestLine, encodeRequest } = dist('core/otlp-json/index');
  const { compileExpression } = dist('core/expression/index');
  const condition = compileExpression(FILTER_DROP);

  const read = await readAll(spec.recording, spec.lines);
  const { lines } = read;
  const totalRecords = spec.totalRecords;
  // Line by line, as the pipeline does (each line's objects die young), adding up each stage's time.
  const samples = { parse: [], decode: [], filter: [], encode: [], stringify: [] };
  let records = 0;
  const now = () => process.hrtime.bigint();
  for (let r = 0; r < spec.runs + 1; r++) {
    const acc = { parse: 0n, decode: 0n, filter: 0n, encode: 0n, stringify: 0n };
    records = 0;
    let kept = 0;
    for (const line of lines) {
      const t0 = now();
      const parsed = JSON.parse(line);
      const t1 = now();
      const batches = decodeRequestLine(parsed);
      const t2 = now();
      for (const b of batches) {
        records += b.records.length;
        for (const rec of b.records) if (condition.evaluate(rec, b.signal) !== true) kept++;
      }
      const t3 = now();
      const encoded = batches.map((b) => encodeRequest(b));
      const t4 = now();
      for (const o of encoded) if (JSON.stringify(o).length === 0) kept--;
      const t5 = now();
      acc.parse += t1 - t0;
      acc.decode += t2 - t1;
      acc.filter += t3 - t2;
      acc.encode += t4 - t3;
      acc.stringify += t5 - t4;
    }
    if (r === 0) continue; // warm-up
    for (const k of Object.keys(acc)) samples[k].push(Number(acc[k]) / 1e9);
  }
  const rows = [
    { stage: 'read (readline, whole file)', records: totalRecords, seconds: read.seconds, mbPerSecond: read.bytes / 2 ** 20 / read.seconds },
    { stage: 'JSON.parse', records, seconds: median(samples.parse) },
    { stage: 'decodeRequestLine', records, seconds: median(samples.decode) },
    { stage: 'CEL filter evaluate', records, seconds: median(samples.filter) },
    { stage: 'encodeRequest', records, seconds: median(samples.encode) },
    { stage: 'JSON.stringify', records, seconds: median(samples.stringify) },
  ].map((row) => ({ ...row, nsPerRecord: (row.seconds / row.records) * 1e9, recordsPerSecond: row.records / row.seconds }));
  process.stdout.write(`RESULT ${JSON.stringify({ ok: true, signal: spec.signal, linesTimed: lines.length, rows })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(`RESULT ${JSON.stringify({ ok: false, error: String(err && err.stack ? err.stack : err) })}\n`);
    process.exit(1);
  },
);
