/**
 * Rewrites attribute lookups so that a missing key reads as `null`.
 *
 * Plain CEL raises `no such key` for `attributes["x"]` when `x` is absent, and
 * raising costs microseconds per record. Every `attributes[k]`, `attributes.k`,
 * `resource[k]` and `resource.k` is rewritten to a call of the lookup function,
 * which returns `null` for a missing key: `attributes["x"] == "y"` is then
 * false and `attributes["x"] != "y"` true, as in the Collector's OTTL.
 * Presence tests keep their meaning: `"x" in attributes` and
 * `has(attributes.x)` are left as written.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { LOOKUP_FUNCTION } from './environment';

/** The map variables whose lookups are rewritten. */
const MAP_VARIABLES: ReadonlySet<string> = new Set(['attributes', 'resource']);

/** One replaced range: `[from, to)` in the original became `[newFrom, newTo)`. */
export interface Replacement {
  from: number;
  to: number;
  newFrom: number;
  newTo: number;
}

/** The rewritten source and how its offsets map back to the original. */
export interface RewriteResult {
  source: string;
  replacements: Replacement[];
}

interface LooseNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

function isNode(x: unknown): x is LooseNode {
  return typeof x === 'object' && x !== null && typeof (x as LooseNode).op === 'string' && typeof (x as LooseNode).start === 'number';
}

function childrenOf(node: LooseNode): LooseNode[] {
  if (node.op === 'value' || node.op === 'id') return [];
  const out: LooseNode[] = [];
  const visit = (x: unknown, depth: number): void => {
    if (isNode(x)) out.push(x);
    else if (Array.isArray(x) && depth < 3) for (const y of x) visit(y, depth + 1);
  };
  visit(node.args, 0);
  return out;
}

function isLookup(node: LooseNode): boolean {
  if (node.op !== '[]' && node.op !== '.') return false;
  const [target] = node.args as [LooseNode, unknown];
  return isNode(target) && target.op === 'id' && MAP_VARIABLES.has(target.args as string);
}

function collect(node: LooseNode, out: LooseNode[]): void {
  if (isLookup(node)) {
    out.push(node);
    return;
  }
  // has(attributes.x) must keep testing presence.
  if (node.op === 'call' && (node.args as unknown[])[0] === 'has') return;
  for (const child of childrenOf(node)) collect(child, out);
}

/** Rewrites the lookups of a parsed expression; returns the source unchanged when there are none. */
export function rewriteLookups(input: string, ast: ASTNode): RewriteResult {
  const replacements: Replacement[] = [];
  const targets: LooseNode[] = [];
  collect(ast as unknown as LooseNode, targets);
  if (targets.length === 0) return { source: input, replacements };

  const emitRange = (start: number, end: number, inner: LooseNode[], out: string[], base: number, record: boolean): number => {
    inner.sort((a, b) => a.start - b.start);
    let cursor = start;
    let length = base;
    for (const node of inner) {
      if (node.start < cursor || node.end > end) continue; // overlapping or odd range: leave as written
      const before = input.slice(cursor, node.start);
      out.push(before);
      length += before.length;
      const text = emitLookup(node);
      if (record) replacements.push({ from: node.start, to: node.end, newFrom: length, newTo: length + text.length });
      out.push(text);
      length += text.length;
      cursor = node.end;
    }
    const rest = input.slice(cursor, end);
    out.push(rest);
    return length + rest.length;
  };

  const emitLookup = (node: LooseNode): string => {
    const [target, key] = node.args as [LooseNode, unknown];
    const name = target.args as string;
    if (node.op === '.') return `${LOOKUP_FUNCTION}(${name}, ${JSON.stringify(key)})`;
    const keyNode = key as LooseNode;
    const inner: LooseNode[] = [];
    collect(keyNode, inner);
    const parts: string[] = [];
    emitRange(keyNode.start, keyNode.end, inner, parts, 0, false);
    return `${LOOKUP_FUNCTION}(${name}, ${parts.join('')})`;
  };

  const parts: string[] = [];
  emitRange(0, input.length, targets, parts, 0, true);
  return { source: parts.join(''), replacements };
}

/** Maps an offset in the rewritten source back to the original expression. */
export function originalOffset(offset: number, replacements: readonly Replacement[]): number {
  let shift = 0;
  for (const r of replacements) {
    if (offset < r.newFrom) break;
    if (offset < r.newTo) return r.from;
    shift = r.to - r.newTo;
  }
  return offset + shift;
}
