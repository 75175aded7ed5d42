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

/**
 * A struct laid out member after member: each member's offset is the sum of
 * the sizes before it, and the struct's size the sum of them all. That is
 * how the compiler lays out the structs of bpf/<name>.h, whose padding is
 * explicit (`_pad` members); the layout tests check the result against BTF.
 * Members are given in declaration order as `{ name: size }`.
 */
export function sequentialStruct<M extends string>(name: string, sizes: Readonly<Record<M, number>>): StructLayout<M> {
  const members = {} as Record<M, MemberLayout>;
  let offset = 0;
  for (const [member, size] of Object.entries(sizes) as Array<[M, number]>) {
    members[member] = { offset, size };
    offset += size;
  }
  return { name, size: offset, members };
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

/** Throws `<what>: expected at least <size> bytes, got <n>` when `buf` is shorter than `size`. */
export function checkMinSize(what: string, buf: Buffer, size: number): void {
  if (buf.length < size) throw new Error(`${what}: expected at least ${size} bytes, got ${buf.length}`);
}

/**
 * Calls `visit` with the offset of each CPU's value in a per-CPU map value
 * as `entries()` gives it (every CPU's `size`-byte value, concatenated at
 * {@link perCpuStride} bytes apart).
 */
export function forEachCpu(value: Buffer, size: number, visit: (base: number) => void): void {
  const stride = perCpuStride(size);
  for (let base = 0; base + size <= value.length; base += stride) visit(base);
}

/** Sums a per-CPU `__u64` value as `entries()` gives it (one `__u64` per CPU, concatenated). */
export function sumPerCpuU64(value: Buffer): number {
  let total = 0;
  forEachCpu(value, 8, (base) => { total += readU64(value, base); });
  return total;
}

/**
 * Walks a ring-buffer batch (`[u32 length][u32 attached length][bytes, padded
 * to 8][attached bytes, padded to 8]` per record) and decodes every record of
 * at least `minSize` bytes with `decode(buffer, offset, length, attached)`
 * (`attached`: a view of what the reader attached to the record, when it
 * did); shorter or truncated records, and those `decode` returns `undefined`
 * for, are skipped and counted in `malformed`.
 */
export function decodeRecords<T>(
  batch: RecordBatch, minSize: number, decode: (buf: Buffer, offset: number, length: number, attached?: Buffer) => T | undefined,
): { events: T[]; malformed: number } {
  const events: T[] = [];
  let malformed = 0;
  let off = 0;
  const buf = batch.buffer;
  for (let i = 0; i < batch.count && off + 8 <= buf.length; i++) {
    const len = buf.readUInt32LE(off);
    const attachedLength = buf.readUInt32LE(off + 4);
    const data = off + 8;
    const attachedAt = data + perCpuStride(len);
    const end = attachedLength > 0 ? attachedAt + attachedLength : data + len;
    const attached = attachedLength > 0 && end <= buf.length ? buf.subarray(attachedAt, end) : undefined;
    const event = len >= minSize && end <= buf.length ? decode(buf, data, len, attached) : undefined;
    if (event === undefined) malformed++;
    else events.push(event);
    off = attachedAt + perCpuStride(attachedLength);
  }
  return { events, malformed };
}

/**
 * Walks a ring-buffer batch and decodes every record of at least `size`
 * bytes (a fixed-size struct); shorter or truncated ones are skipped and
 * counted in `malformed`.
 */
export function decodeFixedRecords<T>(batch: RecordBatch, size: number, decode: (buf: Buffer, offset: number) => T): { events: T[]; malformed: number } {
  return decodeRecords(batch, size, (buf, offset) => decode(buf, offset));
}
