import { BoundedCache } from './lib/bounded-cache.js';
import {
  assertFunction,
  assertInteger,
  assertKnownKeys,
  assertObject,
} from './lib/option-checks.js';

/** Identifiers {@link memoryReplayStore} keeps by default: 1 250 proofs per second for 80 s. */
export const DEFAULT_REPLAY_STORE_MAX = 100_000;

/**
 * Remembers DPoP proof identifiers for as long as a proof could be accepted (RS-DPOP-14).
 * Implementations must be atomic: two concurrent calls with the same key may not both see it
 * as new. A store that cannot answer should throw (or reject): the request then fails closed
 * with 503.
 *
 * @example
 * createResourceServer({ ...options, dpop: { replayStore: redisReplayStore(redis) } });
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export interface ReplayStore {
  /** Records `key` for `ttlSeconds`; true if it was new, false if it was already recorded. */
  checkAndStore(key: string, ttlSeconds: number): boolean | Promise<boolean>;
  /** Releases resources (timers, connections). */
  close?(): void | Promise<void>;
}

/**
 * Options of {@link memoryReplayStore}.
 *
 * @example
 * memoryReplayStore({ max: 200_000 });
 */
export interface MemoryReplayStoreOptions {
  /**
   * Most identifiers kept. Size it for (requests per second) x (proof window + 2 x tolerance,
   * 80 s by default): the default 100 000 covers 1 250 proofs per second. When full, the oldest
   * entries go first (`evictedBeforeExpiry` counts live ones dropped).
   */
  max?: number;
  clock?: () => number;
}

/**
 * The {@link ReplayStore} of {@link memoryReplayStore}, with its counters.
 *
 * @example
 * const store = memoryReplayStore();
 * metrics.gauge('replay_evicted', store.evictedBeforeExpiry);
 */
export interface MemoryReplayStore extends ReplayStore {
  readonly size: number;
  /** Identifiers dropped before they expired because the store was full. */
  readonly evictedBeforeExpiry: number;
  close(): void;
}

/**
 * The single-instance default: a bounded map with expiry. Memory stays capped whatever the
 * traffic; a cluster needs a shared store (`@fapi-guard/redis`).
 *
 * @example
 * const replayStore = memoryReplayStore({ max: 200_000 });
 * createResourceServer({ ...options, dpop: { replayStore } });
 */
export function memoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  assertObject('memoryReplayStore', options);
  assertKnownKeys('memoryReplayStore', options, ['max', 'clock']);
  const clock = assertFunction('memoryReplayStore.clock', options.clock) ?? Date.now;
  const max = assertInteger('memoryReplayStore.max', options.max, DEFAULT_REPLAY_STORE_MAX, 1);
  const entries = new BoundedCache<true>(max);
  let evicted = 0;
  return {
    get size() {
      return entries.size;
    },
    get evictedBeforeExpiry() {
      return evicted;
    },
    checkAndStore(key, ttlSeconds) {
      const nowMs = clock();
      const evictedNow = entries.add(key, true, nowMs + ttlSeconds * 1000, nowMs);
      if (evictedNow === undefined) return false;
      evicted += evictedNow;
      return true;
    },
    close() {
      entries.clear();
    },
  };
}
