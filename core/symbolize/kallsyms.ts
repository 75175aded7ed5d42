/**
 * Kernel symbols from /proc/kallsyms. Addresses are real only for root
 * (otherwise all zero, and nothing is named). kallsyms gives no sizes: a
 * symbol ends where the next one (of any type) starts; the last one names
 * only its own address.
 */
import { SymbolTable, type SymbolHit, type SymbolEntry } from './symbol-table';

/** Text symbol types: t/T (functions), w/W (weak, may be functions). */
const TEXT_TYPES = new Set(['t', 'T', 'w', 'W']);

/** The kernel's symbols; addresses held relative to the lowest one so they stay exact as numbers. */
export class KernelSymbols {
  private constructor(
    private readonly base: bigint,
    private readonly table: SymbolTable,
    /** The address of `_text` (the kernel's load base), or the lowest symbol. */
    readonly textBase: bigint,
  ) {}

  /** Parses the text of /proc/kallsyms. */
  static parse(text: string): KernelSymbols {
    const all: { address: bigint; text: boolean; name: string }[] = [];
    let textBase: bigint | undefined;
    for (const line of text.split('\n')) {
      const first = line.indexOf(' ');
      if (first !== 16) continue;
      const address = BigInt(`0x${line.slice(0, 16)}`);
      if (address === 0n) continue;
      const type = line[17]!;
      const rest = line.slice(19);
      const tab = rest.indexOf('\t');
      const name = tab < 0 ? rest : rest.slice(0, tab);
      if (name === '_text') textBase = address;
      all.push({ address, text: TEXT_TYPES.has(type), name });
    }
    if (all.length === 0) return new KernelSymbols(0n, new SymbolTable([]), 0n);
    all.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const base = all[0]!.address;
    const entries: SymbolEntry[] = [];
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      if (!s.text) continue;
      let next = i + 1;
      while (next < all.length && all[next]!.address === s.address) next++;
      const size = next < all.length ? Number(all[next]!.address - s.address) : 0;
      entries.push({ start: Number(s.address - base), size, name: s.name });
    }
    return new KernelSymbols(base, new SymbolTable(entries), textBase ?? base);
  }

  /** Whether any symbol was read (false when not root: kallsyms shows zeros). */
  get usable(): boolean {
    return this.table.length > 0;
  }

  /** The symbol holding `address`, or undefined. */
  lookup(address: bigint): SymbolHit | undefined {
    if (!this.usable || address < this.base) return undefined;
    const offset = address - this.base;
    if (offset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return this.table.lookup(Number(offset));
  }
}
