/**
 * Decodes the perf receiver's kernel maps (bpf/perf.h, offsets from
 * layout.ts): counts-map entries into per-thread stack samples, stack-map
 * values into instruction addresses.
 */
import { readComm, readU64 } from '../../core/kernel/bpf-records';
import { PERF_NEW_PID, PERF_SAMPLE_KEY } from './layout';

/** One counts-map entry: samples of one thread with one (user, kernel) stack pair over the interval. */
export interface CountEntry {
  tgid: number;
  /** Thread id. */
  tid: number;
  /** The thread's name. */
  comm: string;
  /** Stack id in `stacks`, or -1 (none). */
  userStackId: number;
  kernelStackId: number;
  count: number;
}

/** Decodes `counts_N` entries (key `struct perf_sample_key`, value a `__u64`). */
export function decodeCounts(entries: ReadonlyArray<readonly [Buffer, Buffer]>): CountEntry[] {
  const m = PERF_SAMPLE_KEY.members;
  return entries.map(([key, value]) => ({
    tgid: key.readUInt32LE(m.tgid.offset),
    tid: key.readUInt32LE(m.pid.offset),
    comm: readComm(key, m.comm.offset),
    userStackId: key.readInt32LE(m.user_stack_id.offset),
    kernelStackId: key.readInt32LE(m.kernel_stack_id.offset),
    count: readU64(value, 0),
  }));
}

/** The addresses of a `stacks` value, leaf first: up to the first 0 (the kernel zero-fills the rest). */
export function decodeStack(value: Buffer): bigint[] {
  const out: bigint[] = [];
  for (let off = 0; off + 8 <= value.length; off += 8) {
    const ip = value.readBigUInt64LE(off);
    if (ip === 0n) break;
    out.push(ip);
  }
  return out;
}

/** A `new_pids` ring-buffer record: a process sampled for the first time since its exec. */
export interface NewPid {
  tgid: number;
  /** The process's name (its main thread's comm); empty when it could not be read. */
  comm: string;
  /** The executable lines of its /proc/PID/maps, read by the reader thread at the announcement; empty when it was gone. */
  executableMaps: string;
}

/** Decodes a `new_pids` ring-buffer record and what the reader attached to it (the process's executable mappings). */
export function decodeNewPid(buf: Buffer, offset: number, _length: number, attached?: Buffer): NewPid {
  const m = PERF_NEW_PID.members;
  return {
    tgid: buf.readUInt32LE(offset + m.tgid.offset),
    comm: readComm(buf, offset + m.comm.offset),
    executableMaps: attached?.toString('utf8') ?? '',
  };
}

/** A stack id as the 4-byte key of `stacks`. */
export function stackKey(id: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(id);
  return key;
}
