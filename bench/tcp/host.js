// Runs the tcp receiver in its own process for the benchmark, until stdin closes.
// Usage: node host.js '<config JSON>' [SIGNALS]: SIGNALS (comma-separated) are
// those of the pipelines the receiver feeds, as the engine would tell it
// (default: none given, so it makes spans and log records both). Prints
// "ready <variant>" once attached, and at exit the connections it counted,
// spans, log records and drops on stderr.
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');

/** The receiver and its helpers: from dist/ when built with the native runtime, else the TypeScript sources (ts-node, transpile only). */
function load() {
  let root = join(__dirname, '../../dist');
  let ext = '.js';
  if (!existsSync(join(root, 'native/index.js')) || !existsSync(join(root, 'receivers/tcp/receiver.js'))) {
    require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true });
    root = join(__dirname, '../..');
    ext = '.ts';
  }
  return {
    ...require(join(root, `receivers/tcp/receiver${ext}`)),
    ...require(join(root, `core/logger${ext}`)),
    ...require(join(root, `core/telemetry${ext}`)),
  };
}

async function main() {
  const m = load();
  const signals = process.argv[3] ? process.argv[3].split(',') : undefined;
  const ctx = {
    id: 'tcp', logger: m.silentLogger(), resource: { attributes: {} }, telemetry: new m.ComponentTelemetry('tcp', 'receiver'),
    configDir: process.cwd(), engine: { allTelemetry: () => [] }, signals,
  };
  const config = {
    collection_interval: '1s', peer_attributes: false, connection_events: true, pids: [], comms: [], ports: [], ignore_loopback: false,
    max_series: 10000, max_entries: 10240, max_connections: 65536, include_self: false, ...JSON.parse(process.argv[2] ?? '{}'),
  };
  const receiver = new m.TcpReceiver(config, ctx);
  let last;
  let spans = 0;
  let logs = 0;
  receiver.batches.subscribe((b) => {
    if (b.signal === 'metrics') last = b;
    if (b.signal === 'traces') spans += b.records.length;
    if (b.signal === 'logs') logs += b.records.length;
  });
  await receiver.start();
  process.stdout.write(`ready ${receiver.variant}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await receiver.shutdown();
  const sumOf = (name) => (last?.records ?? []).filter((r) => r.name === name).reduce((n, r) => n + r.value, 0);
  const closed = sumOf('tcp.connections.closed');
  const opened = sumOf('tcp.connections.opened');
  process.stderr.write(`connections counted: opened ${opened}, closed ${closed}; spans ${spans}, log records ${logs}; dropped ${JSON.stringify([...ctx.telemetry.dropped])}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
