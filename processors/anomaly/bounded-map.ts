/** A Map with a size bound: adding a key past the bound evicts the oldest key, and counts it. */

/** Insertion-ordered map holding at most `maxKeys` entries. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Keys evicted to make room since creation. */
  evictions = 0;

  constructor(readonly maxKeys: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

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

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
