/** A Map with a size bound: adding a key past the bound evicts the oldest key, and counts it. */

/** Insertion-ordered map holding at most `maxKeys` entries. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Keys evicted to make room since creation. */
  evictions = 0;

  constructor(
    /** The bound. */
    readonly maxKeys: number,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  /** The value of a key, if held. */
  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Whether a key is held. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets a value; a new key past the bound evicts the oldest one. */
  set(key: K, value: V): void {
    if (!this.map.has(key) && this.map.size >= this.maxKeys) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
        this.evictions++;
      }
    }
    this.map.set(key, value);
  }

  /** Moves a key to the newest position (so it is evicted last). */
  touch(key: K, value: V): void {
    this.map.delete(key);
    this.set(key, value);
  }

  /** Removes a key (not counted as an eviction). */
  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Removes every key (not counted as evictions). */
  clear(): void {
    this.map.clear();
  }

  /** Entries, oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
