/**
 * cgroup v2 ids (what `bpf_get_current_cgroup_id()` returns: the inode
 * number of the cgroup's directory) to paths, by walking the cgroup2 mount.
 * The walk is bounded, cached, and redone on an unknown id at most once per
 * `rescanMs`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Directories one walk visits at most. */
export const MAX_CGROUP_DIRS = 65536;

/** A 64-hex container id in a cgroup path (docker, containerd, cri-o, podman). */
const CONTAINER_ID = /(?:^|[/\-:.])([0-9a-f]{64})(?:\.scope)?(?:$|\/)/;

/** The container id a cgroup path names, if any. */
export function containerIdOf(path: string): string | undefined {
  return CONTAINER_ID.exec(path)?.[1];
}

/** Resolves cgroup ids to paths relative to the cgroup2 mount (`/system.slice/x.service`). */
export class CgroupPaths {
  private paths = new Map<string, string>();
  private lastScan = -Infinity;

  constructor(private readonly mount: string | undefined, private readonly rescanMs = 1000, private readonly now: () => number = Date.now) {}

  /** The path of cgroup `id`, or undefined when it is not (or no longer) there. */
  path(id: bigint): string | undefined {
    if (!this.mount) return undefined;
    const key = id.toString();
    let p = this.paths.get(key);
    if (p === undefined && this.now() - this.lastScan >= this.rescanMs) {
      this.scan();
      p = this.paths.get(key);
    }
    return p;
  }

  /** Walks the mount again. */
  scan(): void {
    if (!this.mount) return;
    this.lastScan = this.now();
    const paths = new Map<string, string>();
    const stack: string[] = ['/'];
    while (stack.length > 0 && paths.size < MAX_CGROUP_DIRS) {
      const rel = stack.pop() as string;
      const abs = join(this.mount, rel);
      try {
        paths.set(statSync(abs, { bigint: true }).ino.toString(), rel);
        for (const d of readdirSync(abs, { withFileTypes: true })) {
          if (d.isDirectory()) stack.push(join(rel, d.name));
        }
      } catch {
        // removed while walking
      }
    }
    this.paths = paths;
  }
}
