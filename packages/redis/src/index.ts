/**
 * @fapi-guard/redis — a DPoP replay store shared by every instance of an API, on ioredis.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_KEY_PREFIX,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WARNING_INTERVAL_MS,
  MAX_TIMEOUT_MS,
  redisReplayStore,
} from './redis-replay-store.js';
export type { RedisReplayStore, RedisReplayStoreOptions } from './redis-replay-store.js';
export { RedisStoreError } from './redis-store-error.js';
export type { RedisStoreErrorCode } from './redis-store-error.js';
