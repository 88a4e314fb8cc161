import { BoundedCache } from './bounded-cache.js';
import { memoryReplayStore } from '../replay-store.js';

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
