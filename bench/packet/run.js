#!/usr/bin/env node
/**
 * Packet receiver overhead: iperf3 TCP throughput over a veth pair (root
 * namespace -> ebpt-pkt-bench), without and with the receiver attached to
 * the root-side end, interleaved; goal: under 5% loss (median of runs).
 *
 *   npm run build && node bench/packet/run.js [--runs 3] [--seconds 3] [--flows] [--quick] [--help]
 *
 * Needs root and iperf3. Writes bench/results/packet-<date>.json and packet-latest.json.
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { benchOptions, requireRoot, sleep, dist, median, writeResults, runMain } = require('../common');

const { runs: RUNS, seconds: SECONDS, flows: FLOWS } = benchOptions('node bench/packet/run.js', {
  seconds: { default: 3, quick: 1, help: 'seconds of iperf3 per run' },
  flows: { default: false, help: 'the receiver also tracks 5-tuples (flows.enabled)' },
});
const NS = 'ebpt-pkt-bench';
const IF = 'ebpt-pkt-ba';
const PEER = 'ebpt-pkt-bp';

const sh = (cmd, a, quiet) => { try { return execFileSync(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'] }).toString(); } catch (e) { if (!quiet) throw e; return ''; } };

function setup() {
  teardown();
  sh('ip', ['netns', 'add', NS]);
  sh('ip', ['link', 'add', IF, 'type', 'veth', 'peer', 'name', PEER, 'netns', NS]);
  sh('ip', ['addr', 'add', '10.213.9.1/30', 'dev', IF]);
  sh('ip', ['-n', NS, 'addr', 'add', '10.213.9.2/30', 'dev', PEER]);
  sh('ip', ['link', 'set', IF, 'up']);
  sh('ip', ['-n', NS, 'link', 'set', PEER, 'up']);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
}

function teardown() {
  sh('ip', ['link', 'del', IF], true);
  sh('ip', ['netns', 'del', NS], true);
}

/** iperf3 client on this CPU, server on the other: less migration noise. */
const CLIENT_CPU = 0;
const SERVER_CPU = 1;

/**
 * One iperf3 run: bits per second received, and bits per CPU-second (the
 * client's and server's CPU time, softirq work on their behalf included:
 * what the tc programs add shows there, and other tenants of a shared
 * machine do not).
 */
function iperf() {
  const out = JSON.parse(sh('iperf3', ['-J', '-A', `${CLIENT_CPU},${SERVER_CPU}`, '-c', '10.213.9.2', '-t', String(SECONDS), '-O', '1']));
  const bps = out.end.sum_received.bits_per_second;
  const cpu = out.end.cpu_utilization_percent;
  return { bps, bpcs: bps / ((cpu.host_total + cpu.remote_total) / 100) };
}

async function withReceiver(fn) {
  const { PacketReceiver } = dist('receivers/packet/receiver');
  const { ComponentTelemetry } = dist('core/telemetry');
  const { silentLogger } = dist('core/logger');
  const config = {
    collection_interval: '1s', interfaces: [IF], interface_poll_interval: '5s', max_entries: 4096, max_series: 10000,
    flows: { enabled: FLOWS, max_entries: 10240, top_k: 10, ports: [] },
  };
  const ctx = { id: 'packet', logger: silentLogger(), resource: { attributes: {} }, telemetry: new ComponentTelemetry('packet', 'receiver'), configDir: '.', engine: { allTelemetry: () => [] } };
  const r = new PacketReceiver(config, ctx);
  let points = 0;
  r.batches.subscribe((b) => { points += b.records.length; });
  await r.start();
  try {
    return { ...fn(), points };
  } finally {
    await r.shutdown();
  }
}

async function main() {
  requireRoot('the bench makes a network namespace and loads BPF programs');
  setup();
  const server = spawn('ip', ['netns', 'exec', NS, 'iperf3', '-s'], { stdio: 'ignore' });
  try {
    await sleep(500);
    iperf(); // warm-up
    const base = [];
    const withIt = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so a drift of the machine's load hits both sides alike.
      if (i % 2 === 0) {
        base.push(iperf());
        withIt.push(await withReceiver(iperf));
      } else {
        withIt.push(await withReceiver(iperf));
        base.push(iperf());
      }
      const gb = (x) => (x / 1e9).toFixed(2);
      console.log(`run ${i + 1}: baseline ${gb(base[i].bps)} Gbit/s (${gb(base[i].bpcs)} Gbit/CPU-s), with receiver ${gb(withIt[i].bps)} Gbit/s (${gb(withIt[i].bpcs)} Gbit/CPU-s)`);
    }
    const b = median(base.map((r) => r.bps));
    const w = median(withIt.map((r) => r.bps));
    const loss = (1 - w / b) * 100;
    const bc = median(base.map((r) => r.bpcs));
    const wc = median(withIt.map((r) => r.bpcs));
    const cpuLoss = (1 - wc / bc) * 100;
    const result = {
      date: new Date().toISOString(), runs: RUNS, seconds: SECONDS, flows: FLOWS, baseline: base, receiver: withIt,
      baseline_bps: b, receiver_bps: w, loss_percent: loss, baseline_bits_per_cpu_s: bc, receiver_bits_per_cpu_s: wc, cpu_loss_percent: cpuLoss,
      goal_percent: 5, ok: loss < 5, cpu_ok: cpuLoss < 5,
    };
    console.log(`median throughput: baseline ${(b / 1e9).toFixed(2)} Gbit/s, with receiver ${(w / 1e9).toFixed(2)} Gbit/s: ${loss.toFixed(1)}% loss (goal < 5%): ${result.ok ? 'OK' : 'MISSED'}`);
    console.log(`median per CPU-second: baseline ${(bc / 1e9).toFixed(2)}, with receiver ${(wc / 1e9).toFixed(2)} Gbit: ${cpuLoss.toFixed(1)}% loss: ${result.cpu_ok ? 'OK' : 'MISSED'}`);
    writeResults('packet', result);
  } finally {
    server.kill();
    teardown();
  }
}

runMain(main, teardown);
