// Loads the syscall receiver for the benchmark scripts: from the compiled tree
// (dist/) when it holds the native runtime, else from the TypeScript sources
// through ts-node (transpile only).
'use strict';
const { join } = require('node:path');
const { existsSync } = require('node:fs');

/** `{ SyscallReceiver, native, silentLogger, ComponentTelemetry }`. */
function loadReceiver() {
  const dist = join(__dirname, '../../dist');
  let root = dist;
  let ext = '.js';
  if (!existsSync(join(dist, 'native/index.js')) || !existsSync(join(dist, 'receivers/syscall/receiver.js'))) {
    require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true });
    root = join(__dirname, '../..');
    ext = '.ts';
  }
  return {
    ...require(join(root, `receivers/syscall/receiver${ext}`)),
    native: require(join(root, `native/index${ext}`)),
    ...require(join(root, `core/logger${ext}`)),
    ...require(join(root, `core/telemetry${ext}`)),
  };
}

/** A receiver config with every default, overridden by `config`. */
function fullConfig(config) {
  return {
    collection_interval: '1s', per_process: false, latency: true, pids: [], comms: [], syscalls: [], failed_only: false,
    slow_threshold: '0s', max_entries: 10240, include_self: false, ...config,
  };
}

/** A receiver context with silent logs. */
function context(m) {
  return {
    id: 'syscall', logger: m.silentLogger(), resource: { attributes: {} }, telemetry: new m.ComponentTelemetry('syscall', 'receiver'),
    configDir: process.cwd(), engine: { allTelemetry: () => [] },
  };
}

module.exports = { loadReceiver, fullConfig, context };
