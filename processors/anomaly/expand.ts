/**
 * Expands macro and list names in a CEL condition, Falco-style: a macro name
 * becomes its parenthesized condition, a list name a CEL list literal. The
 * expansion records where each name was, so an error in the expanded text
 * can be reported at a position of the condition as written.
 */

/** A CEL literal value of a list. */
export type ListValue = string | number | boolean;

/** One name replaced: `[from, to)` of the input became `[newFrom, newTo)` of the output. */
export interface Expansion {
  from: number;
  to: number;
  newFrom: number;
  newTo: number;
  /** The macro or list name. */
  name: string;
  kind: 'macro' | 'list';
}

/** An expanded condition. */
export interface Expanded {
  source: string;
  expansions: Expansion[];
  /** Every macro and list name used, directly or through macros. */
  uses: Set<string>;
}

/** What names expand to. */
export interface Definitions {
  /** List name -> its values (list references already resolved). */
  lists: ReadonlyMap<string, readonly ListValue[]>;
  /** Macro name -> its condition as written. */
  macros: ReadonlyMap<string, string>;
}

/** A macro that (through others) uses itself. */
export class MacroCycleError extends Error {
  constructor(readonly cycle: readonly string[]) {
    super(`macros use each other in a cycle: ${cycle.join(' -> ')}`);
  }
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** Offsets `[start, end)` of every identifier outside string literals that could name a macro or list. */
export function candidateNames(source: string): { start: number; end: number; name: string }[] {
  const out: { start: number; end: number; name: string }[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '"' || c === "'") {
      i = skipString(source, i);
      continue;
    }
    if (IDENT_START.test(c)) {
      const start = i;
      while (i < source.length && IDENT_PART.test(source[i])) i++;
      const name = source.slice(start, i);
      // A string prefix (r"...", b'...') is not a name.
      if (/^[rRbB]{1,2}$/.test(name) && (source[i] === '"' || source[i] === "'")) continue;
      if (precededByDot(source, start) || followedByParen(source, i)) continue;
      out.push({ start, end: i, name });
      continue;
    }
    i++;
  }
  return out;
}

function skipString(source: string, at: number): number {
  const quote = source[at];
  const triple = source.startsWith(quote.repeat(3), at);
  const close = triple ? quote.repeat(3) : quote;
  let i = at + close.length;
  while (i < source.length) {
    if (source[i] === '\\') {
      i += 2;
      continue;
    }
    if (source.startsWith(close, i)) return i + close.length;
    if (!triple && source[i] === '\n') return i;
    i++;
  }
  return i;
}

function precededByDot(source: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /\s/.test(source[i])) i--;
  return i >= 0 && source[i] === '.';
}

function followedByParen(source: string, at: number): boolean {
  let i = at;
  while (i < source.length && /\s/.test(source[i])) i++;
  return source[i] === '(';
}

/** A list as a CEL list literal. */
export function listLiteral(values: readonly ListValue[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}]`;
}

/**
 * Expands every macro and list name in `source` (macros recursively).
 * Throws {@link MacroCycleError} when macros use each other in a cycle.
 */
export function expandCondition(source: string, defs: Definitions, stack: readonly string[] = []): Expanded {
  const expansions: Expansion[] = [];
  const uses = new Set<string>();
  const parts: string[] = [];
  let cursor = 0;
  let length = 0;
  for (const { start, end, name } of candidateNames(source)) {
    let text: string;
    let kind: Expansion['kind'];
    const list = defs.lists.get(name);
    const macro = defs.macros.get(name);
    if (macro !== undefined) {
      if (stack.includes(name)) throw new MacroCycleError([...stack.slice(stack.indexOf(name)), name]);
      const inner = expandCondition(macro, defs, [...stack, name]);
      for (const u of inner.uses) uses.add(u);
      text = `(${inner.source})`;
      kind = 'macro';
    } else if (list !== undefined) {
      text = listLiteral(list);
      kind = 'list';
    } else {
      continue;
    }
    uses.add(name);
    const before = source.slice(cursor, start);
    parts.push(before, text);
    length += before.length;
    expansions.push({ from: start, to: end, newFrom: length, newTo: length + text.length, name, kind });
    length += text.length;
    cursor = end;
  }
  parts.push(source.slice(cursor));
  return { source: parts.join(''), expansions, uses };
}

/**
 * Maps an offset of the expanded text back to the condition as written. An
 * offset inside an expansion gives the start of the name and that expansion.
 */
export function originalPosition(offset: number, expansions: readonly Expansion[]): { position: number; inside?: Expansion } {
  let shift = 0;
  for (const e of expansions) {
    if (offset < e.newFrom) break;
    if (offset < e.newTo) return { position: e.from, inside: e };
    shift = e.to - e.newTo;
  }
  return { position: offset + shift };
}
