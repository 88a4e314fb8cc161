/**
 * A size-capped map whose entries also expire. Least recently used entries go first when full;
 * expired entries are dropped when met. Memory is bounded by `max` whatever the traffic.
 *
 * Recency is kept by the map's insertion order, so a hit moves its entry to the end (a delete
 * and a set), except for an entry with fewer than `max / 2` insertions after it: more than
 * `max / 2` insertions must still come before it could be evicted, and a hit in that time moves
 * it. So an entry hit at least once every `max / 2` insertions is never evicted, and the common
 * hit (a cached token, a client's proof header) costs one lookup.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAtMs: number; seq: number }>();
  /** Insertions so far: an entry's `seq` is its place in the map's order. */
  #seq = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live value for `key` at time `nowMs` (ms), or undefined. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    if (this.#seq - entry.seq >= this.max >> 1) {
      this.#entries.delete(key);
      entry.seq = ++this.#seq;
      this.#entries.set(key, entry);
    }
    return entry.value;
  }

  has(key: string, nowMs: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAtMs > nowMs;
  }

  /** Stores `value` until `expiresAtMs` (ms); returns how many live entries were evicted. */
  set(key: string, value: V, expiresAtMs: number, nowMs: number): number {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAtMs, seq: ++this.#seq });
    let evictedLive = 0;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.max && entry.expiresAtMs > nowMs) break;
      this.#entries.delete(oldest);
      if (entry.expiresAtMs > nowMs) evictedLive += 1;
    }
    return evictedLive;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
