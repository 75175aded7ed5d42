/**
 * Keeps the alloc receiver's kernel maps bounded over time: the totals and
 * blocks of exited processes, the stacks no live block refers to, and the
 * in-flight entries of threads that died inside an allocator call.
 */
import { existsSync } from 'node:fs';
import type { BpfObject } from '../../native/api';
import type { LiveBlock } from './decode';
import { ALLOC_KEY } from './layout';

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Whether a process (or thread) id is alive. */
export function alive(id: number): boolean {
  return existsSync(`/proc/${id}`);
}

/** Deletes the totals and the blocks of processes that exited (their last points were emitted before). */
export function forgetProcesses(obj: BpfObject, dead: ReadonlySet<number>, blocks: readonly LiveBlock[]): void {
  if (dead.size === 0) return;
  const allocs = obj.map('allocs');
  const key = Buffer.alloc(ALLOC_KEY.size);
  for (const b of blocks) {
    if (!dead.has(b.pid)) continue;
    key.writeBigUInt64LE(b.addr, ALLOC_KEY.members.addr.offset);
    key.writeUInt32LE(b.pid, ALLOC_KEY.members.pid.offset);
    allocs.delete(key);
  }
  const processes = obj.map('processes');
  for (const pid of dead) processes.delete(u32(pid));
}

/**
 * Deletes the stacks no live block refers to once `stacks` is half full,
 * so stacks of freed blocks do not crowd out new ones. (A block recorded
 * after `blocks` was read may lose its stack; the next block from the same
 * stack stores it again.)
 */
export function collectStacks(obj: BpfObject, blocks: readonly LiveBlock[]): void {
  const stacks = obj.map('stacks');
  const ids = stacks.entries().map(([k]) => k.readUInt32LE(0));
  if (ids.length < stacks.maxEntries / 2) return;
  const used = new Set(blocks.map((b) => b.stackId));
  for (const id of ids) if (!used.has(id)) stacks.delete(u32(id));
}

/** Deletes the in-flight entries (`pending`) of threads that exited inside an allocator call. */
export function forgetPendingCalls(obj: BpfObject): void {
  const pending = obj.map('pending');
  for (const [key] of pending.entries()) if (!alive(key.readUInt32LE(0))) pending.delete(key);
}
