/**
 * A small direct-mapped cache of strings keyed by up to four 32-bit words:
 * the text of an address or a task name, looked up by its raw bytes so the
 * same bytes are formatted (and allocated) once, not once per event.
 */

/** Strings by a key of four `u32` words; a fixed number of slots, a new key overwrites the slot's old one. */
export class WordStringCache {
  private readonly keys: Uint32Array;
  private readonly values: Array<string | undefined>;
  private readonly shift: number;

  /** A cache of `2^bits` slots (1..16 bits). */
  constructor(bits: number) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new RangeError(`WordStringCache: bits must be 1..16, not ${bits}`);
    this.keys = new Uint32Array(4 << bits);
    this.values = new Array<string | undefined>(1 << bits).fill(undefined);
    this.shift = 32 - bits;
  }

  /** The slot of a key (multiplicative hash of the four words). */
  private slot(w0: number, w1: number, w2: number, w3: number): number {
    let h = Math.imul(w0, 0x9e3779b1);
    h = Math.imul(h ^ w1, 0x85ebca77);
    h = Math.imul(h ^ w2, 0xc2b2ae3d);
    h = Math.imul(h ^ w3, 0x27d4eb2f);
    return (h ^ (h >>> 15)) >>> this.shift;
  }

  /** The string stored for these words, if any. */
  lookup(w0: number, w1: number, w2: number, w3: number): string | undefined {
    const i = this.slot(w0, w1, w2, w3);
    const k = i << 2;
    const keys = this.keys;
    return keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3 ? this.values[i] : undefined;
  }

  /** Stores `value` for these words (replacing whatever held their slot); returns it. */
  store(w0: number, w1: number, w2: number, w3: number, value: string): string {
    const i = this.slot(w0, w1, w2, w3);
    const k = i << 2;
    this.keys[k] = w0;
    this.keys[k + 1] = w1;
    this.keys[k + 2] = w2;
    this.keys[k + 3] = w3;
    this.values[i] = value;
    return value;
  }
}
