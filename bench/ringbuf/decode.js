#!/usr/bin/env node
// JS decode micro-benchmark, no kernel: one synthetic batch in the addon's
// format ([u32 len][u32 0][32-byte record]) decoded over and over, four ways:
//   loop     a loop over a Uint32Array view of the batch, sums in locals
//   visit    decodeRecordBatch(batch, visitor) reading the view (consumer.js default)
//   empty    decodeRecordBatch with an empty visitor: its own cost per record
//   objects  one JS object per record (what not to do)
//
//   node bench/ringbuf/decode.js [--runs 3] [--records 6553] [--rounds 2000] [--quick] [--help]
'use strict';
const { join } = require('node:path');
const { benchOptions } = require('../common');

const OPTS = benchOptions('node bench/ringbuf/decode.js', {
  runs: { default: 3, quick: 1, help: 'repetitions of every variant; the best is reported' },
  records: { default: 6553, help: 'records in the batch (6553: a 256 KiB batch)' },
  rounds: { default: 2000, quick: 200, help: 'decodes of the batch per repetition (a tenth for objects)' },
});
const native = require(join(__dirname, '../../dist/native'));
const N = OPTS.records;
const ROUNDS = OPTS.rounds;
const NR = 110;
const PID = 4242;

const buf = Buffer.alloc(N * 40);
for (let i = 0; i < N; i++) {
  const o = i * 40;
  buf.writeUInt32LE(32, o);
  buf.writeBigUInt64LE(BigInt(i + 1), o + 8);
  buf.writeUInt32LE(PID, o + 16);
  buf.writeUInt32LE(i % 7 ? NR : 1, o + 20);
  buf.writeUInt32LE(i & 1, o + 24);
}
const batch = { buffer: buf, count: N };

let sink = 0;

function loop(u) {
  let i = 0;
  let c = 0;
  let s = 0;
  let g = 0;
  while (i + 2 <= u.length) {
    const len = u[i];
    if (len === 32) {
      s += u[i + 2];
      if (u[i + 5] === NR && u[i + 4] === PID) g++;
    }
    i += 2 + (((len + 7) & ~7) >>> 2);
    c++;
  }
  sink += s + g;
  return c;
}

let view = new Uint32Array(0);
let vs = 0;
let vg = 0;
function visitor(b, off, len) {
  if (len !== 32) return;
  const i = off >>> 2;
  const u = view;
  vs += u[i];
  if (u[i + 3] === NR && u[i + 2] === PID) vg++;
}

const objects = [];
const VARIANTS = {
  loop: () => loop(new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2)),
  visit: () => {
    view = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    return native.decodeRecordBatch(batch, visitor);
  },
  empty: () => native.decodeRecordBatch(batch, () => undefined),
  objects: () => {
    objects.length = 0;
    const n = native.decodeRecordBatch(batch, (b, off) => {
      objects.push({ seq: b.readBigUInt64LE(off), pid: b.readUInt32LE(off + 8), id: b.readUInt32LE(off + 12), cpu: b.readUInt32LE(off + 16) });
    });
    sink += objects.length;
    return n;
  },
};

const results = {};
for (let rep = 0; rep < OPTS.runs; rep++) {
  for (const [name, fn] of Object.entries(VARIANTS)) {
    const rounds = name === 'objects' ? Math.max(1, ROUNDS / 10) : ROUNDS;
    const t = process.hrtime.bigint();
    let n = 0;
    for (let k = 0; k < rounds; k++) n += fn();
    const ns = Number(process.hrtime.bigint() - t) / n;
    (results[name] ??= []).push(ns);
  }
}
console.log(`decode of a ${N}-record batch (${buf.length} bytes), ${process.version}; best of ${OPTS.runs}`);
for (const [name, xs] of Object.entries(results)) {
  const ns = Math.min(...xs);
  console.log(`${name.padEnd(8)} ${ns.toFixed(2).padStart(7)} ns/record ${(1e3 / ns).toFixed(0).padStart(6)} M records/s`);
}
if (sink === -1) console.log(vs, vg);
