/**
 * A minimal protobuf writer: varints, length-delimited fields and packed
 * repeated numbers into one growing buffer, with nested messages written in
 * place (no object per message, no intermediate buffers). Enough for
 * profile.proto (./pprof.ts).
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const INITIAL_BYTES = 64 * 1024;
const TWO_POW_32 = 2 ** 32;
const U32_MASK = 0xffff_ffffn;

/** Appends protobuf fields to a buffer that grows as needed. */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private pos = 0;

  /** The bytes written so far (a view of the internal buffer). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /**
   * A varint of an int64/uint64 field from a JS number: the integer part
   * (values such as `count * period` need not be integers); a negative
   * value as its 64-bit two's complement, as protobuf does.
   */
  varint(value: number): void {
    let n = Math.trunc(value);
    if (n < 0 || n > Number.MAX_SAFE_INTEGER) {
      this.varintBig(BigInt.asUintN(64, BigInt(n)));
      return;
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (n >= TWO_POW_32) {
      buf[pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    while (n > 127) {
      buf[pos++] = (n & 127) | 128;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** A varint of a uint64 given as a bigint (addresses above 2^53). */
  varintBig(value: bigint): void {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) {
      this.varint(Number(value));
      return;
    }
    let lo = Number(value & U32_MASK);
    let hi = Number((value >> 32n) & U32_MASK);
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** A varint field; left out when 0 (the proto3 default). */
  uint(field: number, value: number): void {
    if (Math.trunc(value) === 0) return;
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  /** A varint field from a bigint; left out when 0. */
  uintBig(field: number, value: bigint): void {
    if (value === 0n) return;
    this.tag(field, WIRE_VARINT);
    this.varintBig(value);
  }

  /** A bool field; left out when false. */
  bool(field: number, value: boolean): void {
    if (value) this.uint(field, 1);
  }

  /** A string field, written even when empty (repeated strings keep their index). */
  string(field: number, value: string): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** A packed repeated varint field; left out when empty. */
  packed(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const start = this.begin(field);
    for (const v of values) this.varint(v);
    this.end(start);
  }

  /**
   * Starts a nested message (or packed field): writes the tag and reserves
   * one byte for the length. Pass the result to {@link end}.
   */
  begin(field: number): number {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.ensure(1);
    return this.pos++;
  }

  /** Ends what {@link begin} started: writes its length, moving the body when the length needs more than one byte. */
  end(start: number): void {
    const bodyStart = start + 1;
    const length = this.pos - bodyStart;
    if (length < 128) {
      this.buf[start] = length;
      return;
    }
    let lengthBytes = 1;
    for (let n = length; n > 127; n = Math.floor(n / 128)) lengthBytes++;
    this.ensure(lengthBytes - 1);
    this.buf.copy(this.buf, start + lengthBytes, bodyStart, this.pos);
    const bodyEnd = this.pos + lengthBytes - 1;
    this.pos = start;
    this.varint(length);
    this.pos = bodyEnd;
  }
}
