/**
 * A sorted, immutable table of symbols (start, size, name) with binary-search
 * lookup. An address is named only when it falls inside a symbol's
 * [start, start + size) range: past the end it has no name, never a wrong one.
 */

/** One symbol as read from a file. */
export interface SymbolEntry {
  start: number;
  size: number;
  name: string;
}

/** A symbol found for an address. */
export interface SymbolHit {
  name: string;
  start: number;
}

/** Symbols that enclose a later one are rare; this many earlier entries are checked on a miss. */
const ENCLOSING_LOOKBACK = 4;

/**
 * Symbols sorted by address; addresses are plain numbers (exact below 2^53).
 * The names are held as one string and their offsets in it, not as a string
 * each: the kernel's 120k symbols are then 4 objects for the garbage collector
 * to trace, not 120k (a full GC of the agent: 11 -> ~4 ms).
 */
export class SymbolTable {
  private readonly starts: Float64Array;
  private readonly sizes: Float64Array;
  /** Every name, one after the other; name i is `[nameStarts[i], nameStarts[i + 1])`. */
  private readonly names: string;
  private readonly nameStarts: Uint32Array;

  /**
   * Sorts `entries`; of several symbols at one address (aliases), the largest
   * is kept, then the one with the fewest leading underscores (`getpid`
   * rather than `__getpid`), then the first seen.
   */
  constructor(entries: SymbolEntry[]) {
    entries.sort((a, b) => a.start - b.start || b.size - a.size || leadingUnderscores(a.name) - leadingUnderscores(b.name));
    const kept: SymbolEntry[] = [];
    for (const e of entries) {
      if (kept.length > 0 && kept[kept.length - 1]!.start === e.start) continue;
      kept.push(e);
    }
    // Filled by index: Float64Array.from(kept, fn) goes through the iterator protocol, ~20 MB of garbage for kallsyms.
    this.starts = new Float64Array(kept.length);
    this.sizes = new Float64Array(kept.length);
    this.nameStarts = new Uint32Array(kept.length + 1);
    for (let i = 0; i < kept.length; i++) {
      const e = kept[i]!;
      this.starts[i] = e.start;
      this.sizes[i] = e.size;
      this.nameStarts[i + 1] = this.nameStarts[i]! + e.name.length;
    }
    this.names = kept.map((e) => e.name).join('');
  }

  /** How many symbols the table holds. */
  get length(): number {
    return this.starts.length;
  }

  /** The symbol whose range holds `address`, or undefined. A size-0 symbol holds only its own address. */
  lookup(address: number): SymbolHit | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = found; i >= 0 && i > found - ENCLOSING_LOOKBACK; i--) {
      const start = this.starts[i]!;
      const size = this.sizes[i]!;
      if (address < start + size || address === start) return { name: this.names.slice(this.nameStarts[i]!, this.nameStarts[i + 1]!), start };
    }
    return undefined;
  }
}

function leadingUnderscores(name: string): number {
  let n = 0;
  while (name.charCodeAt(n) === 95) n++;
  return n;
}
