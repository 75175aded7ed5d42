// Runs the blockio receiver in its own process for the benchmark, until stdin closes.
// Usage: node host.js '<config JSON>' [--stats]. Prints "ready <variant>" once attached;
// at exit, on stderr, the operations it counted, its drops and (with --stats, which
// turns on the kernel's BPF run-time statistics) each program's mean run time.
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');

function load() {
  const dist = join(__dirname, '../../dist');
  if (!existsSync(join(dist, 'receivers/blockio/receiver.js'))) throw new Error('run `npx tsc -p tsconfig.json` first: bench/blockio needs dist/');
  return {
    ...require(join(dist, 'receivers/blockio/receiver.js')),
    native: require(join(dist, 'native/index.js')),
    ...require(join(dist, 'core/logger.js')),
    ...require(join(dist, 'core/telemetry.js')),
  };
}

async function main() {
  const m = load();
  const config = {
    collection_interval: '1s', devices: [], queue_time: false, slow_threshold: '0s', max_entries: 1024, max_in_flight: 10240, max_series: 10000,
    ...JSON.parse(process.argv[2] ?? '{}'),
  };
  const ctx = {
    id: 'blockio', logger: m.silentLogger(), resource: { attributes: {} }, telemetry: new m.ComponentTelemetry('blockio', 'receiver'),
    configDir: process.cwd(), engine: { allTelemetry: () => [] },
  };
  const stats = process.argv.includes('--stats') ? m.native.enableStats() : undefined;
  const receiver = new m.BlockioReceiver(config, ctx);
  let last;
  let spans = 0;
  receiver.batches.subscribe((b) => {
    if (b.signal === 'metrics') last = b;
    else spans += b.records.length;
  });
  await receiver.start();
  process.stdout.write(`ready ${receiver.variant}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  const lines = [];
  if (stats) {
    for (const set of Object.values(m.BLOCKIO_PROGRAMS)) {
      for (const p of Object.values(set)) {
        let s;
        try {
          s = receiver.obj.programStats(p);
        } catch {
          continue; // not loaded
        }
        if (s.runCount > 0n) lines.push(`${p} ${s.runCount} runs ${(Number(s.runTimeNs) / Number(s.runCount)).toFixed(1)} ns/run`);
      }
    }
    stats.close();
  }
  await receiver.shutdown();
  const ops = (last?.records ?? []).filter((r) => r.name === 'disk.operations').reduce((n, r) => n + r.value, 0);
  lines.push(`operations ${ops} spans ${spans} dropped ${JSON.stringify([...ctx.telemetry.dropped])}`);
  process.stderr.write(lines.join('\n') + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
