/** A bounded map that forgets its least recently used entry when full. */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  /** `capacity` is the most entries kept (at least 1). */
  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`LRU capacity must be >= 1, got ${capacity}`);
  }

  /** The value for `key`, marked as just used. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** The value for `key` without marking it used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Stores `value` as the most recently used; forgets the oldest entries beyond capacity and returns how many. */
  set(key: K, value: V): number {
    this.entries.delete(key);
    this.entries.set(key, value);
    let forgotten = 0;
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      forgotten++;
    }
    return forgotten;
  }

  /** Every value, least recently used first (not marked used). */
  values(): IterableIterator<V> {
    return this.entries.values();
  }

  /** Forgets `key`. */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** How many entries are kept. */
  get size(): number {
    return this.entries.size;
  }
}
