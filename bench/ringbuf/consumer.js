// The JS consumer of one traced scenario, in its own process: loads
// stream.bpf.o filtered to the producers' tgids, reads the `events` ring
// buffer with the addon (readRingBuffer: one Buffer per batch) and decodes
// every record's fields from a Uint32Array view over the batch into running
// sums (no object per record). Prints "ready" once attached; when stdin
// closes (the producers exited) it waits until every getppid record is
// accounted for (decoded + kernel drops == made), closes, and prints
// "result <json>".
//
//   node consumer.js '<json config>'   (spawned by run.js)
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const cfg = JSON.parse(process.argv[2]);
const native = require(join(__dirname, '../../dist/native'));

// One source of truth for the layout: check our offsets against stream.h.
const LAYOUT = { size: 32, seq: 0, pid: 8, id: 12, cpu: 16, tid: 20, ts: 24 };
function checkLayout() {
  const h = readFileSync(join(__dirname, 'stream.h'), 'utf8');
  const body = /struct record \{([\s\S]*?)\};/.exec(h)[1];
  let off = 0;
  for (const m of body.matchAll(/__u(32|64) (\w+);\s*\/\* offset (\d+)/g)) {
    if (Number(m[3]) !== off) throw new Error(`stream.h: ${m[2]} at ${m[3]}, computed ${off}`);
    off += Number(m[1]) / 8;
  }
  if (off !== LAYOUT.size) throw new Error(`stream.h: struct record is ${off} bytes, consumer.js expects ${LAYOUT.size}`);
}
checkLayout();

const NR = cfg.getppidNr;
const [P0, P1] = [cfg.pids[0] ?? -1, cfg.pids[1] ?? -1];

// ---- running sums, filled by the decoder ----------------------------------------------------
let records = 0; // every record decoded
let getppid0 = 0; // getppid records of producer 0
let getppid1 = 0;
let otherIds = 0; // records of other syscalls of the producers
let foreign = 0; // records of another pid (must stay 0)
let bad = 0; // records of a wrong length (must stay 0)
let seqSum = 0;
let gaps = 0; // per-CPU sequence numbers skipped (== drops when nothing is reordered)
let disorder = 0; // per-CPU sequence numbers going backwards (must stay 0)
const lastSeq = new Float64Array(1024);
let decodeNs = 0n;
let tFirst = 0n;
let tLast = 0n;

let u32 = new Uint32Array(0);

function field(i) {
  // i: the record's first u32 index in the current batch view
  const pid = u32[i + 2];
  const id = u32[i + 3];
  const cpu = u32[i + 4] & 1023;
  const seq = u32[i]; // low word: enough for gap checks below 2^32 records per CPU
  seqSum += seq;
  const g = seq - lastSeq[cpu] - 1;
  if (g !== 0) {
    if (g > 0) gaps += g;
    else disorder++;
  }
  lastSeq[cpu] = seq;
  if (id === NR) {
    if (pid === P0) getppid0++;
    else if (pid === P1) getppid1++;
    else foreign++;
  } else if (pid === P0 || pid === P1) otherIds++;
  else foreign++;
}

/** decodeRecordBatch's visitor: fields from the batch's Uint32Array view. */
function visit(buf, off, len) {
  if (len !== LAYOUT.size) {
    bad++;
    return;
  }
  field(off >>> 2);
}

/**
 * The same without decodeRecordBatch: walks the [u32 len][u32 0][bytes]
 * headers in the view itself, with the view and the sums in locals (what the
 * JIT handles best). Returns the records of the batch.
 */
function decodeLoop(u, count) {
  const n = u.length;
  let i = 0;
  let c = 0;
  let g0 = 0;
  let g1 = 0;
  let oth = 0;
  let frn = 0;
  let bd = 0;
  let sum = 0;
  let gp = 0;
  let dis = 0;
  while (i + 2 <= n) {
    const len = u[i];
    if (len === 32) {
      const r = i + 2;
      const seq = u[r];
      const pid = u[r + 2];
      const id = u[r + 3];
      const cpu = u[r + 4] & 1023;
      sum += seq;
      const g = seq - lastSeq[cpu] - 1;
      if (g !== 0) {
        if (g > 0) gp += g;
        else dis++;
      }
      lastSeq[cpu] = seq;
      if (id === NR) {
        if (pid === P0) g0++;
        else if (pid === P1) g1++;
        else frn++;
      } else if (pid === P0 || pid === P1) oth++;
      else frn++;
    } else bd++;
    i += 2 + (((len + 7) & ~7) >>> 2);
    c++;
  }
  if (c !== count) throw new Error(`batch says ${count}, holds ${c}`);
  getppid0 += g0;
  getppid1 += g1;
  otherIds += oth;
  foreign += frn;
  bad += bd;
  seqSum += sum;
  gaps += gp;
  disorder += dis;
  return c;
}

function onBatch(batch) {
  const t = process.hrtime.bigint();
  if (tFirst === 0n) tFirst = t;
  const buf = batch.buffer;
  if ((buf.byteOffset & 3) !== 0) throw new Error('batch buffer not 4-byte aligned');
  u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  if (cfg.decode === 'loop') {
    records += decodeLoop(u32, batch.count);
  } else {
    records += native.decodeRecordBatch(batch, visit);
  }
  tLast = process.hrtime.bigint();
  decodeNs += tLast - t;
}

function perCpu(map, slot) {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(slot);
  return map.lookupPerCpu(key).reduce((a, v) => a + Number(v.readBigUInt64LE(0)), 0);
}

async function main() {
  const obj = native.openObject(cfg.obj);
  const tg = Buffer.alloc(8);
  cfg.pids.forEach((p, i) => tg.writeUInt32LE(p, i * 4));
  obj.setConst('tgids', tg);
  obj.setConst('getppid_nr', NR);
  obj.setConst('wakeup_mode', { default: 0, nowakeup: 1, threshold: 2 }[cfg.mode]);
  obj.setConst('wakeup_bytes', cfg.wakeupBytes);
  obj.setConst('with_ts', cfg.withTs);
  obj.setMaxEntries('events', cfg.ringBytes);
  await obj.load();
  const drops = obj.map('drops');
  const seqs = obj.map('seqs');
  const reader = obj.readRingBuffer('events', onBatch, {
    maxBatchBytes: cfg.batchBytes,
    maxLatencyMs: cfg.maxLatencyMs,
    pollMs: cfg.pollMs,
  });
  const link = obj.attach('stream_enter');
  const cpu0 = process.cpuUsage();
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise((r) => process.stdin.on('end', r));
  // The producers are done: wait until every getppid record is decoded or counted as dropped.
  const expected = cfg.expectedGetppid;
  const deadline = Date.now() + 30_000;
  let timedOut = false;
  while (getppid0 + getppid1 + perCpu(drops, 0) < expected) {
    if (Date.now() > deadline) {
      timedOut = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const done = { records, tLast };
  link.destroy();
  await reader.close(); // consumes and delivers what is left (the producers' exit syscalls)
  const cpu = process.cpuUsage(cpu0);
  const out = {
    records: done.records, // decoded when the last getppid record was
    recordsAfterClose: records,
    readerDelivered: reader.delivered,
    batches: reader.batches,
    getppid: [getppid0, getppid1].slice(0, cfg.pids.length),
    otherIds,
    foreign,
    bad,
    gaps,
    disorder,
    seqSum,
    drops: [perCpu(drops, 0), perCpu(drops, 1)],
    attempted: perCpu(seqs, 0),
    tFirst: String(tFirst),
    tLast: String(done.tLast),
    decodeNs: Number(decodeNs),
    cpuNs: (cpu.user + cpu.system) * 1000,
    timedOut,
  };
  await obj.close();
  process.stdout.write(`result ${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
