// Runs the security receiver in its own process for the benchmark, until stdin closes.
// Usage: node host.js '<config JSON>'. Prints "ready" once attached, and at
// exit the events it emitted (by name), its drops and its CPU time on stderr.
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');

function load() {
  const dist = join(__dirname, '../../dist');
  let root = dist;
  let ext = '.js';
  if (!existsSync(join(dist, 'receivers/security/receiver.js'))) {
    require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true });
    root = join(__dirname, '../..');
    ext = '.ts';
  }
  return {
    ...require(join(root, `receivers/security/receiver${ext}`)),
    ...require(join(root, `receivers/security/index${ext}`)),
    ...require(join(root, `core/config/ajv${ext}`)),
    ...require(join(root, `core/logger${ext}`)),
    ...require(join(root, `core/telemetry${ext}`)),
  };
}

async function main() {
  const m = load();
  const config = JSON.parse(process.argv[2] ?? '{}');
  if (!m.compileSchema(m.securityReceiverFactory.schema)(config)) throw new Error('bad config');
  const ctx = {
    id: 'security', logger: m.silentLogger(), resource: { attributes: {} }, telemetry: new m.ComponentTelemetry('security', 'receiver'),
    configDir: process.cwd(), engine: { allTelemetry: () => [] },
  };
  const receiver = new m.SecurityReceiver(config, ctx);
  const counts = {};
  receiver.batches.subscribe((b) => {
    for (const r of b.records) counts[r.eventName] = (counts[r.eventName] ?? 0) + 1;
  });
  await receiver.start();
  const cpu0 = process.cpuUsage();
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await receiver.shutdown();
  const cpu = process.cpuUsage(cpu0);
  process.stderr.write(`events ${JSON.stringify(counts)}; dropped ${JSON.stringify([...ctx.telemetry.dropped])}; agent cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
