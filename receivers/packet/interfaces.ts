/**
 * Which interfaces the packet receiver watches: the `interfaces` names and
 * glob patterns against /sys/class/net, scanned again every
 * `interface_poll_interval`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the kernel lists network interfaces (of this process's network namespace). */
export const SYS_CLASS_NET = '/sys/class/net';

/** `IFF_UP` from linux/if.h. */
const IFF_UP = 0x1;

/** An interface as /sys/class/net shows it. */
export interface NetInterface {
  name: string;
  ifindex: number;
  /** Administratively up (`IFF_UP`). */
  up: boolean;
}

/** Whether a config entry is a glob pattern rather than a plain name. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A glob (`*`, `?`, `[abc]`, `[!a-z]`) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The interfaces of this network namespace, sorted by name. */
export function listInterfaces(dir: string = SYS_CLASS_NET): NetInterface[] {
  const out: NetInterface[] = [];
  for (const name of readdirSync(dir)) {
    try {
      const ifindex = Number(readFileSync(join(dir, name, 'ifindex'), 'utf8'));
      const flags = Number(readFileSync(join(dir, name, 'flags'), 'utf8'));
      out.push({ name, ifindex, up: (flags & IFF_UP) !== 0 });
    } catch {
      // gone between readdir and read
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Decides, from the `interfaces` setting, which of the present interfaces to attach to. */
export class InterfaceSelector {
  private readonly names: ReadonlySet<string>;
  private readonly globs: readonly RegExp[];

  constructor(readonly patterns: readonly string[]) {
    this.names = new Set(patterns.filter((p) => !isGlob(p)));
    this.globs = patterns.filter(isGlob).map(globToRegExp);
  }

  /** The plain names (not patterns) of the setting: these must exist at start. */
  plainNames(): string[] {
    return [...this.names];
  }

  /**
   * Whether to attach to `itf`: a plain name whenever it exists (up or not);
   * a pattern match, or (no setting) any interface but `lo`, when it is up.
   */
  wants(itf: NetInterface): boolean {
    if (this.names.has(itf.name)) return true;
    if (!itf.up) return false;
    if (this.patterns.length === 0) return itf.name !== 'lo';
    return this.globs.some((g) => g.test(itf.name));
  }

  /** The interfaces of `present` to attach to. */
  select(present: readonly NetInterface[]): NetInterface[] {
    return present.filter((i) => this.wants(i));
  }
}

/** The plain names of `patterns` missing from `present`, for a clear error at start. */
export function missingInterfaces(patterns: readonly string[], present: readonly NetInterface[]): string[] {
  const names = new Set(present.map((i) => i.name));
  return new InterfaceSelector(patterns).plainNames().filter((n) => !names.has(n));
}
