import fc from 'fast-check';
import { BoundedCache } from './bounded-cache.js';
import { memoryReplayStore } from '../replay-store.js';

/** The cache's rules, spelt out over an array ordered least recently used first. */
class ReferenceCache {
  readonly entries: { key: string; value: number; expiresAtMs: number }[] = [];
  constructor(readonly max: number) {}
  #index(key: string) {
    return this.entries.findIndex((entry) => entry.key === key);
  }
  get(key: string, nowMs: number) {
    const at = this.#index(key);
    if (at === -1) return undefined;
    const [entry] = this.entries.splice(at, 1);
    if (entry!.expiresAtMs <= nowMs) return undefined;
    this.entries.push(entry!);
    return entry!.value;
  }
  has(key: string, nowMs: number) {
    const at = this.#index(key);
    return at !== -1 && this.entries[at]!.expiresAtMs > nowMs;
  }
  set(key: string, value: number, expiresAtMs: number, nowMs: number) {
    this.delete(key);
    this.entries.push({ key, value, expiresAtMs });
    let evictedLive = 0;
    while (
      this.entries.length > 0 &&
      (this.entries.length > this.max || this.entries[0]!.expiresAtMs <= nowMs)
    ) {
      if (this.entries.shift()!.expiresAtMs > nowMs) evictedLive += 1;
    }
    return evictedLive;
  }
  add(key: string, value: number, expiresAtMs: number, nowMs: number) {
    return this.has(key, nowMs) ? undefined : this.set(key, value, expiresAtMs, nowMs);
  }
  delete(key: string) {
    const at = this.#index(key);
    if (at !== -1) this.entries.splice(at, 1);
  }
}

describe('BoundedCache', () => {
  test('never holds more than max entries', () => {
    const cache = new BoundedCache<number>(3);
    for (let i = 0; i < 100; i += 1) cache.set(`k${i}`, i, 1_000, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('k99', 0)).toBe(99);
    expect(cache.get('k0', 0)).toBeUndefined();
  });

  test('keeps the entries in use: a hit entry outlives any number of newer ones', () => {
    for (const max of [2, 3, 4, 10, 101]) {
      const cache = new BoundedCache<number>(max);
      cache.set('hot', -1, 1_000, 0);
      for (let i = 0; i < 20 * max; i += 1) {
        expect(cache.get('hot', 0)).toBe(-1);
        cache.set(`k${i}`, i, 1_000, 0);
        expect(cache.size).toBeLessThanOrEqual(max);
      }
      expect(cache.get('hot', 0)).toBe(-1);
    }
  });

  test('evicts the least recently used entry first', () => {
    const cache = new BoundedCache<number>(4);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, 0, 1_000, 0);
    cache.get('a', 0); // 'a' is among the older half: moved to the end
    cache.set('e', 0, 1_000, 0);
    expect(cache.has('a', 0)).toBe(true);
    expect(cache.has('b', 0)).toBe(false);
  });

  test('answers every sequence of calls as the reference model does', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const operation = fc.oneof(
      fc.record({ op: fc.constant('get' as const), key }),
      fc.record({ op: fc.constant('has' as const), key }),
      fc.record({ op: fc.constant('delete' as const), key }),
      fc.record({ op: fc.constant('clear' as const) }),
      fc.record({
        op: fc.constantFrom('set' as const, 'add' as const),
        key,
        value: fc.integer(),
        ttlMs: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.constant(1_000_000)),
      }),
      fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 10 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(operation, { maxLength: 100, size: 'max' }),
        (max, ops) => {
          const cache = new BoundedCache<number>(max);
          let reference = new ReferenceCache(max);
          let nowMs = 0;
          for (const step of ops) {
            switch (step.op) {
              case 'tick':
                nowMs += step.ms;
                break;
              case 'clear':
                cache.clear();
                reference = new ReferenceCache(max);
                break;
              case 'delete':
                cache.delete(step.key);
                reference.delete(step.key);
                break;
              case 'get':
              case 'has':
                expect(cache[step.op](step.key, nowMs)).toBe(reference[step.op](step.key, nowMs));
                break;
              default: {
                const expiresAtMs = nowMs + step.ttlMs;
                expect(cache[step.op](step.key, step.value, expiresAtMs, nowMs)).toBe(
                  reference[step.op](step.key, step.value, expiresAtMs, nowMs),
                );
              }
            }
            expect(cache.size).toBe(reference.entries.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('add stores only a key without a live entry, and leaves a live one as it was', () => {
    const cache = new BoundedCache<number>(3);
    expect(cache.add('a', 1, 100, 0)).toBe(0);
    expect(cache.add('a', 2, 200, 50)).toBeUndefined();
    expect(cache.get('a', 99)).toBe(1);
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.add('a', 3, 300, 150)).toBe(0);
    expect(cache.get('a', 150)).toBe(3);
  });

  test('expires entries', () => {
    const cache = new BoundedCache<number>(10);
    cache.set('a', 1, 100, 0);
    expect(cache.get('a', 99)).toBe(1);
    expect(cache.get('a', 100)).toBeUndefined();
  });
});

describe('memoryReplayStore (RS-DPOP-14)', () => {
  test('reports a key seen within its TTL as a replay, and forgets it after', () => {
    let now = 0;
    const store = memoryReplayStore({ clock: () => now });
    expect(store.checkAndStore('a', 70)).toBe(true);
    expect(store.checkAndStore('a', 70)).toBe(false);
    now = 70_001;
    expect(store.checkAndStore('a', 70)).toBe(true);
  });

  test('stays bounded and counts live entries it had to drop', () => {
    const store = memoryReplayStore({ max: 1_000, clock: () => 0 });
    for (let i = 0; i < 5_000; i += 1) store.checkAndStore(`k${i}`, 70);
    expect(store.size).toBe(1_000);
    expect(store.evictedBeforeExpiry).toBe(4_000);
  });
});
