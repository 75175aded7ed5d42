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

function kindOf(frame: ProfileSample['stack'][number]): FlameKind {
  return frame.module === '[kernel]' ? 1 : (KINDS[frame.kind] ?? 3);
}

/** The child of `parent` named `name` of kind `kind`, made when missing; user frames are keyed by name alone. */
function childOf(parent: BuildNode, name: string, kind: FlameKind): BuildNode {
  const key = kind === 0 ? name : `${kind}\0${name}`;
  let child = parent.children.get(key);
  if (child === undefined) {
    child = { node: { n: name, v: 0, k: kind }, children: new Map() };
    parent.children.set(key, child);
  }
  return child;
}

/** The merged call tree of `profile`'s `valueIndex`-th value, rooted at `all` (the comm as first frame when known). */
export function flameTree(profile: Profile, valueIndex = 0): FlameNode {
  const root: BuildNode = { node: { n: 'all', v: 0, k: 4 }, children: new Map() };
  for (const sample of profile.samples) {
    const value = sample.values[valueIndex] ?? 0;
    if (value <= 0) continue;
    root.node.v += value;
    let at = root;
    if (sample.labels?.comm !== undefined) {
      at = childOf(at, sample.labels.comm, 4);
      at.node.v += value;
    }
    for (let i = sample.stack.length - 1; i >= 0; i--) {
      const frame = sample.stack[i]!;
      at = childOf(at, foldedFrameName(frame), kindOf(frame));
      at.node.v += value;
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
