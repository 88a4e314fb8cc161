/**
 * A size-capped map whose entries also expire. Least recently used entries go first when full;
 * expired entries are dropped when met. Memory is bounded by `max` whatever the traffic.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError('max must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live value for `key` at time `now` (ms), or undefined. */
  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  has(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > now;
  }

  /** Stores `value` until `expiresAt` (ms); returns how many live entries were evicted. */
  set(key: string, value: V, expiresAt: number, now: number): number {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    let evictedLive = 0;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.max && entry.expiresAt > now) break;
      this.#entries.delete(oldest);
      if (entry.expiresAt > now) evictedLive += 1;
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
