// Runs the syscall receiver in its own process for the benchmark, until stdin closes.
// Usage: node host.js '<config JSON>'. Prints "ready <variant>" once attached,
// and at exit the getppid calls it counted and its drops on stderr.
'use strict';
const { loadReceiver, fullConfig, context } = require('./load');

async function main() {
  const m = loadReceiver();
  const ctx = context(m);
  const receiver = new m.SyscallReceiver(fullConfig(JSON.parse(process.argv[2] ?? '{}')), ctx);
  let last;
  receiver.batches.subscribe((b) => { if (b.signal === 'metrics') last = b; });
  await receiver.start();
  process.stdout.write(`ready ${receiver.variant}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await receiver.shutdown();
  const getppid = (last?.records ?? []).filter((r) => r.name === 'syscall.calls' && r.attributes['syscall.name'] === 'getppid')
    .reduce((n, r) => n + r.value, 0);
  process.stderr.write(`getppid calls counted ${getppid}; dropped ${JSON.stringify([...ctx.telemetry.dropped])}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
