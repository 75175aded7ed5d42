/**
 * The user-space process table of the security receiver: fed by the
 * kernel's fork, exec and exit events and seeded from /proc at start, it
 * gives every event its process's executable, command line, exec id and
 * ancestry. Bounded: exited processes leave after a grace period, and a full
 * table evicts exited entries first, then the oldest.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat's start time (USER_HZ: 100 on every Linux ABI). */
export const USER_HZ = 100;

/** What the table knows about one process (one exec of it). */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Stable id of this exec: `<boot id>-<start ns>-<pid>` (start: the exec, or the fork for a child that has not exec'd). */
  execId: string;
  /** Executable path, when known. */
  path?: string;
  /** Executable name (the path's base name, else the comm). */
  name: string;
  /** argv, when known. */
  args?: string[];
  /** When it exited (ms, the table's clock), or undefined while alive. */
  exitedAt?: number;
}

/** The ancestry of a process: parent first. */
export interface Ancestry {
  pids: number[];
  names: string[];
  execIds: string[];
}

/** Reads the machine's boot id (`/proc/sys/kernel/random/boot_id`). */
export function readBootId(path = '/proc/sys/kernel/random/boot_id'): string {
  return readFileSync(path, 'utf8').trim();
}

/** Parses /proc/<pid>/stat: the comm (may hold spaces and parens), ppid and start time in clock ticks. */
export function parseProcStat(text: string): { comm: string; ppid: number; startTicks: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, starttime field 22.
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return undefined;
  return { comm: text.slice(open + 1, close), ppid, startTicks };
}

/** Splits NUL-separated argv bytes (a trailing NUL or a cut last argument allowed). */
export function splitArgs(buf: Buffer): string[] {
  if (buf.length === 0) return [];
  const end = buf[buf.length - 1] === 0 ? buf.length - 1 : buf.length;
  return buf.toString('utf8', 0, end).split('\0');
}

/** Counts of what the table did, for tests and self-telemetry. */
export interface ProcessTableStats {
  seeded: number;
  evicted: number;
}

/** Processes by pid. */
export class ProcessTable {
  private readonly byPid = new Map<number, ProcessEntry>();
  readonly stats: ProcessTableStats = { seeded: 0, evicted: 0 };

  constructor(
    private readonly bootId: string,
    private readonly maxSize: number,
    private readonly exitedGraceMs: number,
    private readonly procRoot = '/proc',
    private readonly now: () => number = Date.now,
  ) {}

  /** Processes held. */
  get size(): number {
    return this.byPid.size;
  }

  /** The exec id of `pid` started (or exec'd) at `startNs` (CLOCK_BOOTTIME ns). */
  execId(startNs: number | bigint, pid: number): string {
    return `${this.bootId}-${startNs}-${pid}`;
  }

  /** The entry of `pid`, if known. */
  get(pid: number): ProcessEntry | undefined {
    return this.byPid.get(pid);
  }

  /** Adds every process of /proc (up to the table's size); returns how many. */
  seed(): number {
    let n = 0;
    let names: string[];
    try {
      names = readdirSync(this.procRoot);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      if (this.byPid.size >= this.maxSize) break;
      if (this.seedOne(Number(name))) n++;
    }
    return n;
  }

  /** Adds `pid` from /proc when it is there; returns the entry or undefined. */
  seedOne(pid: number): ProcessEntry | undefined {
    const dir = join(this.procRoot, String(pid));
    let stat;
    try {
      stat = parseProcStat(readFileSync(join(dir, 'stat'), 'utf8'));
    } catch {
      return undefined;
    }
    if (!stat) return undefined;
    let path: string | undefined;
    try {
      path = readlinkSync(join(dir, 'exe'));
    } catch {
      // kernel threads and other users' processes without ptrace access have no exe link
    }
    let args: string[] | undefined;
    try {
      const cmdline = readFileSync(join(dir, 'cmdline'));
      if (cmdline.length > 0) args = splitArgs(cmdline);
    } catch {
      // gone
    }
    const startNs = BigInt(stat.startTicks) * BigInt(1e9 / USER_HZ);
    const entry: ProcessEntry = {
      pid, ppid: stat.ppid, execId: this.execId(startNs, pid),
      path, name: path ? basename(path.replace(/ \(deleted\)$/, '')) : stat.comm, args,
    };
    this.put(entry);
    this.stats.seeded++;
    return entry;
  }

  /** A new process (fork): it runs its parent's executable until it execs. */
  fork(pid: number, ppid: number, startNs: number | bigint, comm: string): ProcessEntry {
    const parent = this.byPid.get(ppid);
    const entry: ProcessEntry = {
      pid, ppid, execId: this.execId(startNs, pid),
      path: parent?.path, name: parent?.name ?? comm, args: parent?.args,
    };
    this.put(entry);
    return entry;
  }

  /** `pid` exec'd `path` with `args` at `execNs` (CLOCK_BOOTTIME ns). */
  exec(pid: number, ppid: number, execNs: number | bigint, path: string, args: string[], comm: string): ProcessEntry {
    const entry: ProcessEntry = {
      pid, ppid, execId: this.execId(execNs, pid), path: path || undefined, name: path ? basename(path) : comm, args,
    };
    this.put(entry);
    return entry;
  }

  /** `pid` exited: it stays for the grace period. */
  exit(pid: number): void {
    const entry = this.byPid.get(pid);
    if (entry) entry.exitedAt = this.now();
  }

  /** The entry of a process the table missed: from /proc when it is there, else from what an event says. */
  lookupOrAdd(pid: number, ppid: number, startNs: number | bigint, comm: string): ProcessEntry {
    const known = this.byPid.get(pid);
    if (known) return known;
    const seeded = this.seedOne(pid);
    if (seeded) return seeded;
    const entry: ProcessEntry = { pid, ppid, execId: this.execId(startNs, pid), name: comm };
    this.put(entry);
    return entry;
  }

  /** Parent first, up to `depth` ancestors (stops at an unknown pid or pid 0). */
  ancestry(entry: ProcessEntry, depth: number): Ancestry {
    const out: Ancestry = { pids: [], names: [], execIds: [] };
    let ppid = entry.ppid;
    const seen = new Set<number>([entry.pid]);
    while (out.pids.length < depth && ppid > 0 && !seen.has(ppid)) {
      const parent = this.byPid.get(ppid);
      if (!parent) break;
      seen.add(ppid);
      out.pids.push(parent.pid);
      out.names.push(parent.name);
      out.execIds.push(parent.execId);
      ppid = parent.ppid;
    }
    return out;
  }

  /** Removes processes that exited more than the grace period ago; returns how many. */
  sweep(): number {
    const limit = this.now() - this.exitedGraceMs;
    let n = 0;
    for (const [pid, e] of this.byPid) {
      if (e.exitedAt !== undefined && e.exitedAt <= limit) {
        this.byPid.delete(pid);
        n++;
      }
    }
    return n;
  }

  private put(entry: ProcessEntry): void {
    this.byPid.delete(entry.pid); // re-insert: insertion order is age order
    if (this.byPid.size >= this.maxSize) this.evictOne();
    this.byPid.set(entry.pid, entry);
  }

  private evictOne(): void {
    let victim: number | undefined;
    for (const [pid, e] of this.byPid) {
      if (e.exitedAt !== undefined) {
        victim = pid;
        break;
      }
    }
    if (victim === undefined) victim = this.byPid.keys().next().value;
    if (victim !== undefined) {
      this.byPid.delete(victim);
      this.stats.evicted++;
    }
  }
}
