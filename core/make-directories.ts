/** Directory creation that works everywhere, /proc included. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Creates `dir` and its missing parents one level at a time. (Node 20's
 * `mkdir({ recursive: true })` never returns for a path under /proc.)
 */
export async function makeDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      await fs.stat(d);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(d) === d) throw err;
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    try {
      await fs.mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
