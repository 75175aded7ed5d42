/** Where the compiled BPF objects are (bpf/.output, built by `make -C bpf`). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BpfObject } from '../../native/api';

/** What to do when a compiled BPF object is missing. */
export const BUILD_BPF_HINT = 'run ./setup.sh (or make -C bpf) to build the BPF programs';

/** Finds `bpf/.output/<name>.bpf.o` from the sources (core/kernel) or the build (dist/core/kernel). */
export function bpfObjectPath(name: string): string {
  const rel = join('bpf', '.output', `${name}.bpf.o`);
  for (const up of ['../..', '../../..']) {
    const candidate = resolve(__dirname, up, rel);
    if (existsSync(candidate)) return candidate;
  }
  return resolve(__dirname, '../..', rel);
}

/**
 * The compiled object a receiver loads: `override` (tests, benchmarks) or
 * `bpf/.output/<name>.bpf.o`; throws `<componentId>: <path> is missing: ...`
 * when it is not there.
 */
export function builtBpfObjectPath(componentId: string, name: string, override?: string): string {
  const path = override ?? bpfObjectPath(name);
  if (!existsSync(path)) throw new Error(`${componentId}: ${path} is missing: ${BUILD_BPF_HINT}`);
  return path;
}

/**
 * Opens a compiled BPF object through the native runtime, loaded only now:
 * validating a config that names an eBPF receiver works without the addon built.
 */
export function openBpfObject(path: string): BpfObject {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, see above
  const native = require('../../native') as { openObject(path: string): BpfObject };
  return native.openObject(path);
}
