/**
 * Brendan Gregg's folded stacks (the input of flamegraph.pl and speedscope):
 * one line per distinct stack, root first, frames joined by `;`, a space and
 * the value. As libbpf-tools `profile -f`: the process comm is the root frame
 * when known, kernel frames end in `_[k]`.
 */
import type { Frame } from '../symbolize/types';
import type { Profile, ProfileSample } from './types';

/** The suffix of kernel frames in folded stacks and flame graphs. */
export const KERNEL_SUFFIX = '_[k]';

/** A frame's name as folded stacks show it: `;` and line breaks would break the format, so they become `:` and spaces. */
export function foldedFrameName(frame: Frame): string {
  const name = /[;\r\n]/.test(frame.name) ? frame.name.replace(/;/g, ':').replace(/[\r\n]/g, ' ') : frame.name;
  return frame.kind === 'kernel' || frame.module === '[kernel]' ? `${name}${KERNEL_SUFFIX}` : name;
}

/** A sample's stack root first, with the comm as root when the sample has one. */
export function foldedPath(sample: ProfileSample): string[] {
  const path: string[] = [];
  if (sample.labels?.comm !== undefined) path.push(sample.labels.comm.replace(/[;\r\n]/g, ' '));
  for (let i = sample.stack.length - 1; i >= 0; i--) path.push(foldedFrameName(sample.stack[i]!));
  if (path.length === 0) path.push('[no stack]');
  return path;
}

/**
 * The folded stacks of `profile` for its `valueIndex`-th value: equal stacks
 * merged, lines sorted, stacks whose total is 0 left out, a final newline.
 */
export function foldedStacks(profile: Profile, valueIndex = 0): string {
  const totals = new Map<string, number>();
  for (const sample of profile.samples) {
    const value = sample.values[valueIndex] ?? 0;
    const key = foldedPath(sample).join(';');
    totals.set(key, (totals.get(key) ?? 0) + value);
  }
  const lines: string[] = [];
  for (const [stack, value] of totals) if (value !== 0) lines.push(`${stack} ${value}`);
  lines.sort();
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
