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

/** Symbols sorted by address; addresses are plain numbers (exact below 2^53). */
export class SymbolTable {
  private readonly starts: Float64Array;
  private readonly sizes: Float64Array;
  private readonly names: string[];

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
    this.starts = Float64Array.from(kept, (e) => e.start);
    this.sizes = Float64Array.from(kept, (e) => e.size);
    this.names = kept.map((e) => e.name);
  }

  /** How many symbols the table holds. */
  get length(): number {
    return this.names.length;
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
      if (address < start + size || address === start) return { name: this.names[i]!, start };
    }
    return undefined;
  }
}

function leadingUnderscores(name: string): number {
  let n = 0;
  while (name.charCodeAt(n) === 95) n++;
  return n;
}
