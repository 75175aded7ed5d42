/** Process names (`/proc/PID/comm` of the main thread) by pid, read while the process lives; bounded. */
import { readFileSync } from 'node:fs';
import { LruMap } from '../../core/lru-map';

/** Default bound of {@link ProcessNames}. */
export const DEFAULT_MAX_PROCESS_NAMES = 4096;

/** Remembers each process's name; the least recently set entry is forgotten past the bound. */
export class ProcessNames {
  private readonly names: LruMap<number, string>;

  constructor(max = DEFAULT_MAX_PROCESS_NAMES, private readonly procRoot = '/proc') {
    this.names = new LruMap(max);
  }

  /** Reads and remembers `pid`'s name now (no-op once known, or when the process is gone). */
  remember(pid: number): void {
    if (this.names.peek(pid) !== undefined) return;
    try {
      this.names.set(pid, readFileSync(`${this.procRoot}/${pid}/comm`, 'utf8').trimEnd());
    } catch {
      // Gone already: its samples keep the thread's comm.
    }
  }

  /** Remembers `name` for `pid` (replacing what was known: an exec or a reused pid). */
  set(pid: number, name: string): void {
    this.names.set(pid, name);
  }

  /** `pid`'s name, or `fallback` (a thread's comm) when it was never read. */
  nameOf(pid: number, fallback: string): string {
    return this.names.peek(pid) ?? fallback;
  }
}
