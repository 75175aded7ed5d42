// Runs the alloc receiver in its own process for the benchmark, until stdin closes.
// Usage: node host.js '<config JSON>'. Prints "ready" once attached, and at
// exit the allocations it counted and its drops on stderr.
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');

function load() {
  const dist = join(__dirname, '../../dist');
  let root = dist;
  let ext = '.js';
  if (!existsSync(join(dist, 'native/index.js')) || !existsSync(join(dist, 'receivers/alloc/receiver.js'))) {
    require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true });
    root = join(__dirname, '../..');
    ext = '.ts';
  }
  return {
    ...require(join(root, `receivers/alloc/receiver${ext}`)),
    ...require(join(root, `core/logger${ext}`)),
    ...require(join(root, `core/telemetry${ext}`)),
  };
}

async function main() {
  const m = load();
  const ctx = {
    id: 'alloc', logger: m.silentLogger(), resource: { attributes: {} }, telemetry: new m.ComponentTelemetry('alloc', 'receiver'),
    configDir: process.cwd(), engine: { allTelemetry: () => [] },
  };
  const config = {
    collection_interval: '1s', pids: [], comms: [], sample_every: 1, min_age: '5s', top_k: 10, max_entries: 65536,
    max_stacks: 4096, max_processes: 4096, max_series: 10000, ...JSON.parse(process.argv[2] ?? '{}'),
  };
  const receiver = new m.AllocReceiver(config, ctx);
  let last;
  receiver.batches.subscribe((b) => { if (b.signal === 'metrics') last = b; });
  await receiver.start();
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await receiver.shutdown();
  const allocations = (last?.records ?? []).filter((r) => r.name === 'process.memory.allocations').reduce((n, r) => n + r.value, 0);
  process.stderr.write(`allocations counted ${allocations}; dropped ${JSON.stringify([...ctx.telemetry.dropped])}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
