/**
 * A size-capped map whose entries also expire. Least recently used entries go first when full;
 * expired entries are dropped when met. Memory is bounded by `max` whatever the traffic.
 *
 * Recency is a doubly linked list through the entries, oldest first, beside a `Map` for the
 * lookups: a hit moves its entry to the newest end and an eviction unlinks the oldest, each in
 * a few pointer writes. The map is never walked. (Walking it from its start to find the oldest
 * entry, as an earlier version did, passes over every entry deleted since V8 last compacted the
 * table: once a cache was full or its entries expired, tens of thousands per insert, 35 µs in the
 * median and up to 116 µs for a replay store of 80 000 live entries (`bench/replay-store.mjs`).)
 */
interface Entry<V> {
  readonly key: string;
  value: V;
  expiresAtMs: number;
  older: Entry<V> | undefined;
  newer: Entry<V> | undefined;
}

export class BoundedCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  #oldest: Entry<V> | undefined = undefined;
  #newest: Entry<V> | undefined = undefined;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live value for `key` at time `nowMs` (ms), or undefined. A hit makes it the newest. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.#remove(entry);
      return undefined;
    }
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#append(entry);
    }
    return entry.value;
  }

  /** Whether `key` has a live entry at `nowMs`; its recency is unchanged. */
  has(key: string, nowMs: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAtMs > nowMs;
  }

  /** Stores `value` until `expiresAtMs` (ms); returns how many live entries were evicted. */
  set(key: string, value: V, expiresAtMs: number, nowMs: number): number {
    const existing = this.#entries.get(key);
    if (existing !== undefined) this.#remove(existing);
    return this.#insert(key, value, expiresAtMs, nowMs);
  }

  /**
   * {@link set} only when `key` has no live entry (one lookup for both): `undefined` when it
   * has one (nothing changes), else how many live entries were evicted.
   */
  add(key: string, value: V, expiresAtMs: number, nowMs: number): number | undefined {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.expiresAtMs > nowMs) return undefined;
      this.#remove(existing);
    }
    return this.#insert(key, value, expiresAtMs, nowMs);
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(entry);
  }

  clear(): void {
    this.#entries.clear();
    this.#oldest = undefined;
    this.#newest = undefined;
  }

  /** Adds a new newest entry, then drops the oldest while too many or expired. */
  #insert(key: string, value: V, expiresAtMs: number, nowMs: number): number {
    const entry: Entry<V> = { key, value, expiresAtMs, older: undefined, newer: undefined };
    this.#entries.set(key, entry);
    this.#append(entry);
    let evictedLive = 0;
    for (let oldest = this.#oldest; oldest !== undefined; oldest = this.#oldest) {
      if (this.#entries.size <= this.max && oldest.expiresAtMs > nowMs) break;
      this.#remove(oldest);
      if (oldest.expiresAtMs > nowMs) evictedLive += 1;
    }
    return evictedLive;
  }

  #remove(entry: Entry<V>): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
  }

  #unlink(entry: Entry<V>): void {
    const { older, newer } = entry;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #append(entry: Entry<V>): void {
    entry.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }
}
