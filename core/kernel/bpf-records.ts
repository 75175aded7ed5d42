/**
 * Reading the raw bytes of BPF map values and ring-buffer records, laid out
 * as the C structs in bpf/<receiver>.h. Each receiver's layout.ts describes
 * its structs with {@link StructLayout}; a test checks them against the
 * compiled object's BTF.
 */

import type { RecordBatch } from '../../native/api';

/** `TASK_COMM_LEN`: bytes of a task name, NUL included. */
export const TASK_COMM_LEN = 16;

/** A struct member: byte offset and size. */
export interface MemberLayout {
  readonly offset: number;
  readonly size: number;
}

/** A C struct: its name in the header, its size and every member. */
export interface StructLayout<M extends string = string> {
  readonly name: string;
  readonly size: number;
  readonly members: Readonly<Record<M, MemberLayout>>;
}

/** An unsigned 64-bit little-endian value as a number (exact below 2^53). */
export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * 0x1_0000_0000;
}

/** A NUL-terminated `char[16]` task name. */
export function readComm(buf: Buffer, offset: number): string {
  let end = offset;
  const limit = offset + TASK_COMM_LEN;
  while (end < limit && buf[end] !== 0) end++;
  return buf.toString('utf8', offset, end);
}

/** Bytes between two CPUs' values in a per-CPU map value (the value size rounded up to 8). */
export function perCpuStride(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}

/** Sums a per-CPU `__u64` value (`lookupPerCpu` result). */
export function sumPerCpu(values: readonly Buffer[] | undefined): number {
  let total = 0;
  for (const b of values ?? []) total += readU64(b, 0);
  return total;
}

/** A `char[16]` comm key, NUL-padded. */
export function commKey(comm: string): Buffer {
  const key = Buffer.alloc(TASK_COMM_LEN);
  const n = key.write(comm, 0, TASK_COMM_LEN - 1, 'utf8');
  if (Buffer.byteLength(comm) > n) throw new Error(`comm "${comm}" is longer than ${TASK_COMM_LEN - 1} bytes`);
  return key;
}

/**
 * Walks a ring-buffer batch (`[u32 length][u32 pad][bytes, padded to 8]` per
 * record) and decodes every record of at least `size` bytes; shorter or
 * truncated ones are skipped and counted in `malformed`.
 */
export function decodeFixedRecords<T>(batch: RecordBatch, size: number, decode: (buf: Buffer, offset: number) => T): { events: T[]; malformed: number } {
  const events: T[] = [];
  let malformed = 0;
  let off = 0;
  const buf = batch.buffer;
  for (let i = 0; i < batch.count && off + 8 <= buf.length; i++) {
    const len = buf.readUInt32LE(off);
    const data = off + 8;
    if (len >= size && data + len <= buf.length) events.push(decode(buf, data));
    else malformed++;
    off = data + perCpuStride(len);
  }
  return { events, malformed };
}
