/**
 * The cgroup v2 hierarchy: where it is mounted, and the `cgroup` setting of
 * the receivers that filter by cgroup resolved to one of its directories.
 */
import { readFileSync, statSync, statfsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** `CGROUP2_SUPER_MAGIC` from linux/magic.h. */
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** The mount point of the cgroup v2 hierarchy, from /proc/self/mounts. */
export function cgroup2Mount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const [, dir, fstype] = line.split(' ');
      if (fstype === 'cgroup2') return dir.replace(/\\040/g, ' ');
    }
  } catch {
    // no /proc: no mount
  }
  return undefined;
}

/** Resolves the `cgroup` setting to a cgroup v2 directory; throws a message saying what to fix. */
export function resolveCgroup(path: string): string {
  let dir = path;
  if (!isAbsolute(path)) {
    const mount = cgroup2Mount();
    if (!mount) throw new Error(`cgroup "${path}": no cgroup v2 hierarchy is mounted; mount one or give an absolute path`);
    dir = join(mount, path);
  }
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`cgroup "${path}": ${dir} is not a directory`);
  if (statfsSync(dir).type !== CGROUP2_SUPER_MAGIC) {
    throw new Error(`cgroup "${path}": ${dir} is not in a cgroup v2 hierarchy (cgroup v1 is not supported)`);
  }
  return dir;
}

/** Why the `cgroup` setting cannot be used (the message of {@link resolveCgroup}), or `undefined` when it can or is absent. */
export function cgroupProblem(cgroup: string | undefined): string | undefined {
  if (cgroup === undefined) return undefined;
  try {
    resolveCgroup(cgroup);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}
