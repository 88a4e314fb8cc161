import type { ReplayStore } from '@fapi-guard/core';
import type { Cluster, Redis } from 'ioredis';
import { withDeadline } from './lib/deadline.js';
import { rateLimitedWarning } from './lib/rate-limited-warning.js';
import { RedisStoreError } from './redis-store-error.js';

export const DEFAULT_KEY_PREFIX = 'fapi:dpop:';
export const DEFAULT_TIMEOUT_MS = 200;
/** Longest `timeoutMs` accepted: a replay check slower than this is an outage, not latency. */
export const MAX_TIMEOUT_MS = 10_000;
/** The default `onError` prints at most one line per interval. */
export const DEFAULT_WARNING_INTERVAL_MS = 10_000;

/**
 * Client states in which a command cannot reach Redis now. The store fails at once instead of
 * handing the command to ioredis's offline queue, which would hold it until Redis returns.
 */
const DISCONNECTED: ReadonlySet<string> = new Set([
  'close',
  'reconnecting',
  'disconnecting',
  'end',
]);

export interface RedisReplayStoreOptions {
  /** Prepended to every key (after the client's own `keyPrefix`, if any). Default `fapi:dpop:`. */
  keyPrefix?: string;
  /**
   * Longest wait for Redis per proof, in milliseconds, whatever the client's retry and offline
   * queue settings. Past it the call throws (the request gets 503). Default 200, at most 10 000.
   */
  timeoutMs?: number;
  /**
   * When Redis cannot answer, accept the proof without a replay check (and report it through
   * `onError`) instead of failing the request with 503. NOT FAPI: RFC 9449 §11.1 replay
   * protection silently disappears during an outage. Default false.
   */
  failOpen?: boolean;
  /**
   * Called with a {@link RedisStoreError} for every call that Redis could not answer. Default:
   * one `console.warn` line per 10 s at most, counting the ones held back. Exceptions it throws
   * are ignored.
   */
  onError?: (error: Error) => void;
}

/** A {@link ReplayStore} whose answers come from Redis. */
export interface RedisReplayStore extends ReplayStore {
  checkAndStore(key: string, ttlSeconds: number): Promise<boolean>;
  /** The prefix in force: the Redis key of `key` is `keyPrefix + key`. */
  readonly keyPrefix: string;
}

interface ResolvedOptions {
  keyPrefix: string;
  timeoutMs: number;
  failOpen: boolean;
  onError: (error: Error) => void;
}

/**
 * A DPoP replay store shared by every instance of an API (RS-DPOP-14): one atomic
 * `SET <keyPrefix><key> 1 NX PX <ttl>` per proof; `OK` means the proof is new, nil means it
 * was seen before. Nothing is read before it is written, so two instances racing with the same
 * proof cannot both accept it. Every key stands alone, so it works unchanged on Redis Cluster.
 *
 * Fails closed: when Redis is disconnected, errs, or does not answer within `timeoutMs`, the
 * call throws a {@link RedisStoreError} and core answers 503 `ERR_FAPI_STORE_UNAVAILABLE`. No
 * request waits longer than `timeoutMs` on Redis. The store recovers by itself as soon as the
 * client has reconnected.
 *
 * Does NOT: close or configure the client (you own it, and its `error` listener); survive an
 * asynchronous-replication failover without forgetting the last few writes; protect against a
 * Redis that evicts keys under memory pressure (use `maxmemory-policy noeviction`, so a full
 * Redis refuses writes and requests fail closed).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const redis = new Redis(process.env.REDIS_URL);
 * const rs = createResourceServer({
 *   issuer,
 *   audience,
 *   jwksUri,
 *   dpop: { replayStore: redisReplayStore(redis) },
 * });
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export function redisReplayStore(
  client: Redis | Cluster,
  options: RedisReplayStoreOptions = {},
): RedisReplayStore {
  const { keyPrefix, timeoutMs, failOpen, onError } = resolveOptions(client, options);
  const timeout = () =>
    new RedisStoreError('ERR_FAPI_REDIS_TIMEOUT', `no answer from Redis within ${timeoutMs} ms`);

  async function setIfAbsent(redisKey: string, ttlMs: number): Promise<boolean> {
    const { status } = client;
    if (DISCONNECTED.has(status)) {
      throw new RedisStoreError('ERR_FAPI_REDIS_DISCONNECTED', `the Redis client is ${status}`);
    }
    let reply: 'OK' | null;
    try {
      reply = await withDeadline(client.set(redisKey, '1', 'PX', ttlMs, 'NX'), timeoutMs, timeout);
    } catch (cause) {
      if (cause instanceof RedisStoreError) throw cause;
      throw new RedisStoreError('ERR_FAPI_REDIS_COMMAND', `Redis SET failed: ${messageOf(cause)}`, {
        cause,
      });
    }
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw new RedisStoreError(
      'ERR_FAPI_REDIS_REPLY',
      'Redis answered SET NX with neither OK nor nil',
    );
  }

  return {
    keyPrefix,
    async checkAndStore(key, ttlSeconds) {
      const ttlMs = ttlMillis(ttlSeconds);
      try {
        return await setIfAbsent(keyPrefix + key, ttlMs);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        try {
          onError(failure);
        } catch {
          // A logging hook must not change the decision.
        }
        if (failOpen) return true;
        throw failure;
      }
    },
  };
}

/** Whole milliseconds, rounded up, at least 1 (Redis refuses `PX 0`). */
function ttlMillis(ttlSeconds: number): number {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
    throw new TypeError('ttlSeconds must be a finite number of seconds, 0 or more');
  }
  return Math.max(1, Math.ceil(ttlSeconds * 1000));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(option: string, message: string): never {
  throw new TypeError(`${option}: ${message}`);
}

function resolveOptions(client: unknown, options: RedisReplayStoreOptions): ResolvedOptions {
  const candidate = client as { set?: unknown; status?: unknown } | null | undefined;
  if (typeof candidate?.set !== 'function' || typeof candidate.status !== 'string') {
    fail('client', 'must be an ioredis Redis or Cluster instance');
  }
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  const { keyPrefix = DEFAULT_KEY_PREFIX, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  const { failOpen = false, onError } = options;
  if (typeof keyPrefix !== 'string') fail('keyPrefix', 'must be a string');
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isFinite(timeoutMs) ||
    timeoutMs < 1 ||
    timeoutMs > MAX_TIMEOUT_MS
  ) {
    fail('timeoutMs', `must be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  if (typeof failOpen !== 'boolean') fail('failOpen', 'must be a boolean');
  if (onError !== undefined && typeof onError !== 'function') fail('onError', 'must be a function');
  return { keyPrefix, timeoutMs, failOpen, onError: onError ?? defaultWarning(failOpen) };
}

function defaultWarning(failOpen: boolean): (error: Error) => void {
  const consequence = failOpen
    ? 'DPoP proofs are ACCEPTED WITHOUT a replay check (failOpen: not FAPI)'
    : 'DPoP requests are refused with 503 until Redis answers';
  return rateLimitedWarning((error) => {
    const code = error instanceof RedisStoreError ? `${error.code}: ` : '';
    return `[@fapi-guard/redis] replay store unavailable (${code}${error.message}); ${consequence}`;
  }, DEFAULT_WARNING_INTERVAL_MS);
}
