#!/usr/bin/env node
// Where the time goes: runs the getppid loop once under the receiver with the
// kernel's BPF statistics on, and prints each program's mean run time (the
// rest of the overhead is the tracepoint's own cost). Needs root.
//   node bench/syscall/program-stats.js '{"latency":false}' [--variant raw_tp]
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { loadReceiver, fullConfig, context } = require('./load');

async function main() {
  const config = JSON.parse(process.argv[2] ?? '{}');
  const vi = process.argv.indexOf('--variant');
  const variant = vi > 0 ? process.argv[vi + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-syscall-'));
  const bin = join(dir, 'getppid');
  execFileSync('cc', ['-O2', '-o', bin, join(__dirname, 'getppid.c')]);
  const m = loadReceiver();
  const receiver = new m.SyscallReceiver(fullConfig(config), context(m), variant ? { variant } : {});
  const stats = m.native.enableStats();
  try {
    await receiver.start();
    const [cpu, wall] = execFileSync(bin, ['2000000', '0']).toString().trim().split(' ');
    console.log(`config ${JSON.stringify(config)} variant ${receiver.variant}: loop ${cpu} ns/call CPU (${wall} wall), with stats on`);
    for (const pair of Object.values(m.SYSCALL_PROGRAMS)) {
      for (const p of [pair.enter, pair.exit]) {
        let s;
        try {
          s = receiver.obj.programStats(p);
        } catch {
          continue; // not loaded
        }
        if (s.runCount > 0n) console.log(`  ${p}: ${s.runCount} runs, ${(Number(s.runTimeNs) / Number(s.runCount)).toFixed(1)} ns/run`);
      }
    }
  } finally {
    stats.close();
    await receiver.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
