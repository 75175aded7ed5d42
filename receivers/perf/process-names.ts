/** Process names (`/proc/PID/comm` of the main thread) by pid, read while the process lives; bounded. */
import { readFileSync } from 'node:fs';

/** Default bound of {@link ProcessNames}. */
export const DEFAULT_MAX_PROCESS_NAMES = 4096;

/** Remembers each process's name; the oldest entry is forgotten past the bound. */
export class ProcessNames {
  private readonly names = new Map<number, string>();

  constructor(private readonly max = DEFAULT_MAX_PROCESS_NAMES, private readonly procRoot = '/proc') {}

  /** Reads and remembers `pid`'s name now (no-op once known, or when the process is gone). */
  remember(pid: number): void {
    if (this.names.has(pid)) return;
    let name: string;
    try {
      name = readFileSync(`${this.procRoot}/${pid}/comm`, 'utf8').trimEnd();
    } catch {
      return;
    }
    if (this.names.size >= this.max) {
      const oldest = this.names.keys().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
    this.names.set(pid, name);
  }

  /** Remembers `name` for `pid` (replacing what was known: an exec or a reused pid). */
  set(pid: number, name: string): void {
    this.names.delete(pid);
    if (this.names.size >= this.max) {
      const oldest = this.names.keys().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
    this.names.set(pid, name);
  }

  /** `pid`'s name, or `fallback` (a thread's comm) when it was never read. */
  nameOf(pid: number, fallback: string): string {
    return this.names.get(pid) ?? fallback;
  }
}
