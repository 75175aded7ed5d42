// Runs the perf receiver in its own process for the benchmark, until stdin closes.
// Usage: node host.js '<config JSON>' [stats]. Prints "ready" once attached; at
// exit, on stderr: samples, profiles written, drops, and with `stats` the BPF
// program's run count and time (kernel BPF statistics).
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');

function load() {
  const dist = join(__dirname, '../../dist');
  let root = dist;
  let ext = '.js';
  if (!existsSync(join(dist, 'receivers/perf/receiver.js'))) {
    require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true });
    root = join(__dirname, '../..');
    ext = '.ts';
  }
  return {
    ...require(join(root, `receivers/perf/receiver${ext}`)),
    ...require(join(root, `receivers/perf/index${ext}`)),
    ...require(join(root, `core/config/ajv${ext}`)),
    native: require(join(root, `native/index${ext}`)),
    ...require(join(root, `core/logger${ext}`)),
    ...require(join(root, `core/telemetry${ext}`)),
  };
}

async function main() {
  const m = load();
  const config = JSON.parse(process.argv[2] ?? '{}');
  const validate = m.compileSchema(m.perfReceiverFactory.schema);
  if (!validate(config)) throw new Error(`bad config: ${JSON.stringify(validate.errors)}`);
  const ctx = {
    id: 'perf', logger: m.silentLogger(), resource: { attributes: {} }, telemetry: new m.ComponentTelemetry('perf', 'receiver'),
    configDir: process.cwd(), engine: { allTelemetry: () => [] },
  };
  const stats = process.argv[3] === 'stats' ? m.native.enableStats() : undefined;
  let samples = 0;
  let profiles = 0;
  const receiver = new m.PerfReceiver(config, ctx, {
    onProfile: (p) => {
      profiles++;
      for (const s of p.samples) samples += s.values[0];
    },
  });
  await receiver.start();
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  let run = '';
  if (stats) {
    const st = receiver.obj.programStats(m.PERF_PROGRAM);
    run = ` runs ${st.runCount} run_ns ${st.runTimeNs}`;
  }
  await receiver.shutdown();
  stats?.close();
  process.stderr.write(`samples ${samples} profiles ${profiles} dropped ${JSON.stringify([...ctx.telemetry.dropped])}${run}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
