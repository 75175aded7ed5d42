/**
 * The call tree a flame graph draws: stacks merged root first (the comm as
 * root frame when known, as in folded stacks), children sorted by name.
 */
import { foldedFrameName } from './folded';
import type { Profile, ProfileSample } from './types';

/** How a node is coloured: 0 user, 1 kernel, 2 JIT, 3 unknown, 4 process (comm) or the root. */
export type FlameKind = 0 | 1 | 2 | 3 | 4;

/** One node of the tree, with short keys to keep the embedded JSON small. */
export interface FlameNode {
  /** Frame name. */
  n: string;
  /** Total value: the node's own samples and all its descendants'. */
  v: number;
  k: FlameKind;
  /** Children, sorted by name; absent on leaves. */
  c?: FlameNode[];
}

interface BuildNode {
  node: FlameNode;
  children: Map<string, BuildNode>;
}

const KINDS: Record<string, FlameKind> = { user: 0, kernel: 1, jit: 2, unknown: 3 };

function pathOf(sample: ProfileSample): { name: string; kind: FlameKind }[] {
  const path: { name: string; kind: FlameKind }[] = [];
  if (sample.labels?.comm !== undefined) path.push({ name: sample.labels.comm, kind: 4 });
  for (let i = sample.stack.length - 1; i >= 0; i--) {
    const frame = sample.stack[i]!;
    path.push({ name: foldedFrameName(frame), kind: frame.module === '[kernel]' ? 1 : (KINDS[frame.kind] ?? 3) });
  }
  return path;
}

/** The merged call tree of `profile`'s `valueIndex`-th value, rooted at `all`. */
export function flameTree(profile: Profile, valueIndex = 0): FlameNode {
  const root: BuildNode = { node: { n: 'all', v: 0, k: 4 }, children: new Map() };
  for (const sample of profile.samples) {
    const value = sample.values[valueIndex] ?? 0;
    if (value <= 0) continue;
    root.node.v += value;
    let at = root;
    for (const { name, kind } of pathOf(sample)) {
      const key = `${kind}\0${name}`;
      let child = at.children.get(key);
      if (child === undefined) {
        child = { node: { n: name, v: 0, k: kind }, children: new Map() };
        at.children.set(key, child);
      }
      child.node.v += value;
      at = child;
    }
  }
  return finish(root);
}

function finish(b: BuildNode): FlameNode {
  if (b.children.size > 0) {
    b.node.c = [...b.children.values()].map(finish).sort((x, y) => (x.n < y.n ? -1 : x.n > y.n ? 1 : x.k - y.k));
  }
  return b.node;
}
