import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ReplayStore } from '@fapi-guard/core';
import { RedisStoreError, redisReplayStore } from '@fapi-guard/redis';
import { Redis } from 'ioredis';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';

/** At most one warning per this interval for each kind of Redis trouble. */
const WARNING_INTERVAL_MS = 10_000;
/** Longest wait for a clean QUIT on shutdown before the connection is dropped. */
export const QUIT_TIMEOUT_MS = 1_000;

/** `log(message)` at most once per interval; the lines held back are counted in the next one. */
function rateLimited(log: (message: string) => void): (message: string) => void {
  let last = 0;
  let held = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < WARNING_INTERVAL_MS) {
      held += 1;
      return;
    }
    last = now;
    log(held > 0 ? `${message} (${held} more since the last warning)` : message);
    held = 0;
  };
}

/**
 * The DPoP replay store of this instance. With `REDIS_URL`, `@fapi-guard/redis` on a dedicated
 * ioredis client, shared by every instance (a proof accepted by one is refused by all the
 * others); it fails closed (503) when Redis cannot answer within `REDIS_TIMEOUT_MS`. Without it,
 * `store` is undefined and fapi-guard's bounded in-memory default applies (one instance only).
 * Owns the client: closes it when the application shuts down.
 */
@Injectable()
export class DpopReplayStore implements OnApplicationShutdown {
  /** Undefined: fapi-guard's in-memory default. */
  readonly store: ReplayStore | undefined;
  readonly #redis: Redis | undefined;

  constructor(@Inject(APP_CONFIG) config: Pick<ResolvedAppConfig, 'redis'>) {
    if (!config.redis) return;
    const logger = new Logger('DpopReplayStore');
    const redis = new Redis(config.redis.url, {
      connectionName: 'accounts-api:dpop-replay',
      // Nothing waits for a connection: a proof is checked now, or the request gets 503.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    const connectionWarning = rateLimited((message) => logger.warn(message));
    // ioredis reconnects by itself; without a listener each failure would print a stack trace.
    redis.on('error', (error: Error) => connectionWarning(`Redis connection: ${error.message}`));
    const storeWarning = rateLimited((message) => logger.warn(message));
    this.#redis = redis;
    this.store = redisReplayStore(redis, {
      keyPrefix: config.redis.keyPrefix,
      timeoutMs: config.redis.timeoutMs,
      onError: (error) => {
        const code = error instanceof RedisStoreError ? `${error.code}: ` : '';
        storeWarning(
          `DPoP replay store unavailable (${code}${error.message}); ` +
            'DPoP requests are refused with 503 until Redis answers',
        );
      },
    });
  }

  /**
   * QUIT when connected (replies still due arrive first), else drop the connection; resolves
   * once the connection has ended, or after {@link QUIT_TIMEOUT_MS} at most (then it is dropped).
   */
  async onApplicationShutdown(): Promise<void> {
    const redis = this.#redis;
    if (!redis || redis.status === 'end') return;
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => {
      redis.once('end', resolve);
      timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
    });
    if (redis.status === 'ready') redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
    await ended;
    clearTimeout(timer);
    // QUIT got no answer in time (Redis hung or went away meanwhile): drop the connection.
    if ((redis.status as string) !== 'end') redis.disconnect();
  }
}
