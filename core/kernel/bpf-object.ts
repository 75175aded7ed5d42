/** Where the compiled BPF objects are (bpf/.output, built by `make -C bpf`). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Finds `bpf/.output/<name>.bpf.o` from the sources (core/kernel) or the build (dist/core/kernel). */
export function bpfObjectPath(name: string): string {
  const rel = join('bpf', '.output', `${name}.bpf.o`);
  for (const up of ['../..', '../../..']) {
    const candidate = resolve(__dirname, up, rel);
    if (existsSync(candidate)) return candidate;
  }
  return resolve(__dirname, '../..', rel);
}
