/**
 * Reads the perf map a JIT writes for its generated code (`/tmp/perf-PID.map`,
 * Node.js with --perf-basic-prof): lines `START SIZE name`, START and SIZE in hex.
 */
import { SymbolTable, type SymbolEntry } from './symbol-table';

const LINE = /^(?:0x)?([0-9a-fA-F]+) (?:0x)?([0-9a-fA-F]+) (.+)$/;

/**
 * The symbols of a perf map's text; malformed lines are skipped. The map is
 * append-only: when code is moved or freed and its address reused, the later
 * line for a start address replaces the earlier one.
 */
export function parsePerfMap(text: string): SymbolTable {
  const byStart = new Map<number, SymbolEntry>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trimEnd());
    if (m === null) continue;
    const start = parseInt(m[1]!, 16);
    byStart.delete(start);
    byStart.set(start, { start, size: parseInt(m[2]!, 16), name: m[3]! });
  }
  return new SymbolTable([...byStart.values()]);
}
