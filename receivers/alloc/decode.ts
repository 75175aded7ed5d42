/**
 * Decodes the alloc receiver's kernel maps (bpf/alloc.h, offsets from
 * layout.ts): `processes` into per-process totals, `allocs` into live
 * blocks, `stacks` values into addresses.
 */
import { checkMinSize, forEachCpu, readComm, readU64 } from '../../core/kernel/bpf-records';
import { ALLOC_INFO, ALLOC_KEY, ALLOC_KMALLOC_SITE, ALLOC_MAX_STACK_DEPTH, ALLOC_PROCESS } from './layout';

/** One `processes` entry: cumulative totals of one process since the probes were attached. */
export interface ProcessTotals {
  pid: number;
  comm: string;
  /** Successful allocation calls, every one. */
  allocations: number;
  /** Bytes they requested. */
  allocatedBytes: number;
  /** Allocations tracked (every sample_every-th) and their bytes. */
  tracked: number;
  trackedBytes: number;
  /** Tracked allocations freed since, and their bytes. */
  trackedFreed: number;
  trackedFreedBytes: number;
}

/** One `allocs` entry: a live tracked block. */
export interface LiveBlock {
  pid: number;
  addr: bigint;
  size: number;
  /** CLOCK_MONOTONIC ns of the allocation. */
  timestampNs: bigint;
  /** Id in `stacks`; negative when the stack was lost. */
  stackId: number;
}

/** Decodes `processes` entries (`[u32 tgid, struct alloc_process]`). */
export function decodeProcesses(entries: Iterable<[Buffer, Buffer]>): ProcessTotals[] {
  const m = ALLOC_PROCESS.members;
  const out: ProcessTotals[] = [];
  for (const [key, value] of entries) {
    checkMinSize('processes key', key, 4);
    checkMinSize('processes value', value, ALLOC_PROCESS.size);
    out.push({
      pid: key.readUInt32LE(0),
      comm: readComm(value, m.comm.offset),
      allocations: readU64(value, m.allocations.offset),
      allocatedBytes: readU64(value, m.allocated_bytes.offset),
      tracked: readU64(value, m.tracked.offset),
      trackedBytes: readU64(value, m.tracked_bytes.offset),
      trackedFreed: readU64(value, m.tracked_freed.offset),
      trackedFreedBytes: readU64(value, m.tracked_freed_bytes.offset),
    });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** Decodes `allocs` entries (`[struct alloc_key, struct alloc_info]`). */
export function decodeAllocs(entries: Iterable<[Buffer, Buffer]>): LiveBlock[] {
  const k = ALLOC_KEY.members;
  const v = ALLOC_INFO.members;
  const out: LiveBlock[] = [];
  for (const [key, value] of entries) {
    checkMinSize('allocs key', key, ALLOC_KEY.size);
    checkMinSize('allocs value', value, ALLOC_INFO.size);
    out.push({
      pid: key.readUInt32LE(k.pid.offset),
      addr: key.readBigUInt64LE(k.addr.offset),
      size: readU64(value, v.size.offset),
      timestampNs: value.readBigUInt64LE(v.timestamp_ns.offset),
      stackId: value.readInt32LE(v.stack_id.offset),
    });
  }
  return out;
}

/** The addresses of a `stacks` value (innermost first), up to the first 0. */
export function decodeStack(value: Buffer): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < ALLOC_MAX_STACK_DEPTH && (i + 1) * 8 <= value.length; i++) {
    const addr = value.readBigUInt64LE(i * 8);
    if (addr === 0n) break;
    out.push(addr);
  }
  return out;
}

/** Outstanding tracked blocks of one process allocated by one stack. */
export interface LeakGroup {
  pid: number;
  stackId: number;
  /** Tracked blocks and their bytes (multiply by sample_every for the estimate). */
  count: number;
  bytes: number;
  /** CLOCK_MONOTONIC ns of the oldest block. */
  oldestNs: bigint;
}

/**
 * Groups the blocks allocated at or before `cutoffNs` by (pid, stack), the
 * most bytes first (ties: more blocks, then pid and stack id, for a stable order).
 */
export function groupLeaks(blocks: Iterable<LiveBlock>, cutoffNs: bigint): LeakGroup[] {
  const groups = new Map<string, LeakGroup>();
  for (const b of blocks) {
    if (b.timestampNs > cutoffNs) continue;
    const id = `${b.pid}:${b.stackId}`;
    const g = groups.get(id);
    if (g) {
      g.count++;
      g.bytes += b.size;
      if (b.timestampNs < g.oldestNs) g.oldestNs = b.timestampNs;
    } else {
      groups.set(id, { pid: b.pid, stackId: b.stackId, count: 1, bytes: b.size, oldestNs: b.timestampNs });
    }
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count || a.pid - b.pid || a.stackId - b.stackId);
}

/** One `kmalloc_sites` entry, summed over CPUs. */
export interface KmallocSite {
  /** The kernel call site (a return address). */
  site: bigint;
  count: number;
  bytesRequested: number;
}

/** Decodes `kmalloc_sites` entries (`[__u64 call site, struct alloc_kmalloc_site per CPU]`). */
export function decodeKmallocSites(entries: Iterable<[Buffer, Buffer]>): KmallocSite[] {
  const m = ALLOC_KMALLOC_SITE.members;
  const out: KmallocSite[] = [];
  for (const [key, value] of entries) {
    checkMinSize('kmalloc_sites key', key, 8);
    checkMinSize('kmalloc_sites value', value, ALLOC_KMALLOC_SITE.size);
    let count = 0;
    let bytesRequested = 0;
    forEachCpu(value, ALLOC_KMALLOC_SITE.size, (base) => {
      count += readU64(value, base + m.count.offset);
      bytesRequested += readU64(value, base + m.bytes_req.offset);
    });
    out.push({ site: key.readBigUInt64LE(0), count, bytesRequested });
  }
  return out;
}
