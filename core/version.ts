/** The agent's version, read from package.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
  // core/ in the sources, dist/core/ when built: walk up to the package.json.
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ebpf-pipeline' && pkg.version) return pkg.version;
    } catch {
      // try the next level
    }
  }
  return '0.0.0';
}

/** The version in package.json. */
export const AGENT_VERSION = readVersion();
