// Loads and attaches bench/syscall's floor program (a compiled floor.bpf.o given
// as argv[2]) until stdin closes. Prints "ready" once attached.
'use strict';
const { loadReceiver } = require('./load');

async function main() {
  const { native } = loadReceiver();
  const obj = native.openObject(process.argv[2]);
  await obj.load();
  const link = obj.attach('floor_exit');
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  link.destroy();
  await obj.close();
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
