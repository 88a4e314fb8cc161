/** The store against the shared Redis on 127.0.0.1:6379: atomicity, TTL, prefixes, options. */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { DEFAULT_KEY_PREFIX, redisReplayStore, RedisStoreError } from '../src/index.js';
import { rateLimitedWarning } from '../src/lib/rate-limited-warning.js';
import { connectShared, deleteKeys } from './redis-server.js';

/** A key shaped like core's: base64url SHA-256, 43 characters. */
const newKey = () => randomBytes(32).toString('base64url');

let client: Redis;
const prefix = `fapi-test:${randomUUID()}:`;
const otherPrefix = `fapi-test:${randomUUID()}:`;
const defaultPrefixKeys: string[] = [];

beforeAll(async () => {
  client = await connectShared();
});

afterAll(async () => {
  if (!client) return;
  await deleteKeys(client, prefix);
  await deleteKeys(client, otherPrefix);
  if (defaultPrefixKeys.length > 0) await client.unlink(...defaultPrefixKeys);
  await client.quit();
});

describe('redisReplayStore', () => {
  it('answers true for a key it has not seen, and records it', async () => {
    const store = redisReplayStore(client, { keyPrefix: prefix });
    const key = newKey();
    await expect(store.checkAndStore(key, 70)).resolves.toBe(true);
    await expect(client.get(prefix + key)).resolves.toBe('1');
  });

  it('answers false for a key already recorded', async () => {
    const store = redisReplayStore(client, { keyPrefix: prefix });
    const key = newKey();
    await store.checkAndStore(key, 70);
    await expect(store.checkAndStore(key, 70)).resolves.toBe(false);
    await expect(store.checkAndStore(key, 70)).resolves.toBe(false);
  });

  it('keeps a key for ttlSeconds (PTTL) and forgets it afterwards', async () => {
    const store = redisReplayStore(client, { keyPrefix: prefix });
    const key = newKey();
    await store.checkAndStore(key, 70);
    const pttl = await client.pttl(prefix + key);
    expect(pttl).toBeGreaterThan(69_000);
    expect(pttl).toBeLessThanOrEqual(70_000);

    // A TTL the second call comes well within, also on a busy machine; then waited out.
    const brief = newKey();
    await expect(store.checkAndStore(brief, 1)).resolves.toBe(true);
    await expect(store.checkAndStore(brief, 1)).resolves.toBe(false);
    await sleep(1_100);
    await expect(store.checkAndStore(brief, 1)).resolves.toBe(true);
  });

  it('rounds a TTL up to whole milliseconds, at least 1 (Redis refuses PX 0)', async () => {
    const store = redisReplayStore(client, { keyPrefix: prefix });
    const key = newKey();
    await expect(store.checkAndStore(key, 0)).resolves.toBe(true);
    const fractional = newKey();
    const sent: unknown[][] = [];
    const recording = new Proxy(client, {
      get(target, name, receiver) {
        if (name !== 'set') return Reflect.get(target, name, receiver) as unknown;
        return (...args: unknown[]) => {
          sent.push(args);
          return (target.set as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    await redisReplayStore(recording, { keyPrefix: prefix }).checkAndStore(fractional, 1.0004);
    expect(sent).toEqual([[prefix + fractional, '1', 'PX', 1_001, 'NX']]);
    const pttl = await client.pttl(prefix + fractional);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1_001);
  });

  it('lets exactly one of 100 concurrent calls with the same key through, across 4 connections', async () => {
    const clients = [client, ...(await Promise.all([1, 2, 3].map(() => connectShared())))];
    try {
      const stores = clients.map((c) => redisReplayStore(c, { keyPrefix: prefix }));
      const key = newKey();
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (stores[i % 4] ?? stores[0]!).checkAndStore(key, 70)),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all(clients.slice(1).map((c) => c.quit()));
    }
  });

  it('sends one SET NX PX per call and reads nothing first', async () => {
    const monitor = await client.monitor();
    const seen: string[][] = [];
    // MONITOR reports commands in the order Redis ran them: once it shows this key, it has
    // shown every command sent before it.
    const barrier = `${prefix}barrier`;
    const barrierSeen = new Promise<void>((resolve) => {
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.includes(barrier)) resolve();
        else if (args.some((arg) => arg.startsWith(prefix))) seen.push(args);
      });
    });
    try {
      const store = redisReplayStore(client, { keyPrefix: prefix });
      const key = newKey();
      await store.checkAndStore(key, 70);
      await store.checkAndStore(key, 70);
      await client.exists(barrier);
      await barrierSeen;
      expect(seen.map((args) => args.map((arg) => arg.toLowerCase()))).toEqual([
        ['set', (prefix + key).toLowerCase(), '1', 'px', '70000', 'nx'],
        ['set', (prefix + key).toLowerCase(), '1', 'px', '70000', 'nx'],
      ]);
    } finally {
      monitor.disconnect();
    }
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = redisReplayStore(client, { keyPrefix: prefix });
    const b = redisReplayStore(client, { keyPrefix: otherPrefix });
    const key = newKey();
    await expect(a.checkAndStore(key, 70)).resolves.toBe(true);
    await expect(b.checkAndStore(key, 70)).resolves.toBe(true);
    await expect(a.checkAndStore(key, 70)).resolves.toBe(false);
    await expect(b.checkAndStore(key, 70)).resolves.toBe(false);
    await expect(client.exists(prefix + key, otherPrefix + key)).resolves.toBe(2);
  });

  it('writes under fapi:dpop: by default', async () => {
    const store = redisReplayStore(client);
    expect(store.keyPrefix).toBe(DEFAULT_KEY_PREFIX);
    expect(DEFAULT_KEY_PREFIX).toBe('fapi:dpop:');
    const key = newKey();
    defaultPrefixKeys.push(`fapi:dpop:${key}`);
    await store.checkAndStore(key, 70);
    await expect(client.exists(`fapi:dpop:${key}`)).resolves.toBe(1);
  });
});

describe('redisReplayStore when the client is closed', () => {
  let closed: Redis;

  beforeAll(async () => {
    closed = await connectShared();
    const ended = once(closed, 'end');
    await closed.quit();
    await ended;
  });

  it('throws ERR_FAPI_REDIS_DISCONNECTED at once and reports it to onError', async () => {
    const errors: Error[] = [];
    const store = redisReplayStore(closed, { onError: (error) => errors.push(error) });
    // DISCONNECTED, not TIMEOUT: the store did not wait for an answer that cannot come.
    const failure = await store.checkAndStore(newKey(), 70).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RedisStoreError);
    expect((failure as RedisStoreError).code).toBe('ERR_FAPI_REDIS_DISCONNECTED');
    expect(errors).toEqual([failure]);
  });

  it('accepts with failOpen: true, and still reports', async () => {
    const errors: Error[] = [];
    const store = redisReplayStore(closed, { failOpen: true, onError: (e) => errors.push(e) });
    await expect(store.checkAndStore(newKey(), 70)).resolves.toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('ignores an onError hook that throws', async () => {
    const store = redisReplayStore(closed, {
      onError: () => {
        throw new Error('hook failed');
      },
    });
    await expect(store.checkAndStore(newKey(), 70)).rejects.toBeInstanceOf(RedisStoreError);
  });

  it('warns on the console once, not once per request, by default', async () => {
    const warn = console.warn;
    const lines: unknown[][] = [];
    console.warn = (...args: unknown[]) => lines.push(args);
    try {
      const store = redisReplayStore(closed);
      for (let i = 0; i < 5; i += 1) {
        await expect(store.checkAndStore(newKey(), 70)).rejects.toThrow('the Redis client is end');
      }
    } finally {
      console.warn = warn;
    }
    expect(lines).toEqual([
      [
        '[@fapi-guard/redis] replay store unavailable (ERR_FAPI_REDIS_DISCONNECTED: the Redis ' +
          'client is end); DPoP requests are refused with 503 until Redis answers',
      ],
    ]);
  });
});

describe('rateLimitedWarning', () => {
  it('prints one line per interval and counts the lines held back', () => {
    const warn = console.warn;
    const lines: unknown[] = [];
    console.warn = (line: unknown) => lines.push(line);
    const clock = { now: 0 };
    try {
      const report = rateLimitedWarning(
        (e) => e.message,
        10_000,
        () => clock.now,
      );
      report(new Error('down'));
      clock.now = 5_000;
      report(new Error('down'));
      report(new Error('down'));
      clock.now = 10_000;
      report(new Error('still down'));
    } finally {
      console.warn = warn;
    }
    expect(lines).toEqual(['down', 'still down (2 more since the last report)']);
  });
});

describe('redisReplayStore options', () => {
  it.each([
    [undefined, {}, 'client: must be an ioredis Redis or Cluster instance'],
    [{}, {}, 'client: must be an ioredis Redis or Cluster instance'],
    ['client', { keyPrefix: 1 }, 'keyPrefix: must be a string'],
    ['client', { timeoutMs: 0 }, 'timeoutMs: must be a number of milliseconds from 1 to 10000'],
    ['client', { timeoutMs: 60_000 }, 'timeoutMs: must be a number of milliseconds from 1 to'],
    ['client', { timeoutMs: Number.NaN }, 'timeoutMs: must be a number of milliseconds'],
    ['client', { failOpen: 'yes' }, 'failOpen: must be a boolean'],
    ['client', { onError: 'log' }, 'onError: must be a function'],
  ])('refuses client %p with options %p', (given, options, message) => {
    const target = given === 'client' ? client : given;
    expect(() => redisReplayStore(target as Redis, options as never)).toThrow(
      new TypeError(message).message,
    );
    expect(() => redisReplayStore(target as Redis, options as never)).toThrow(TypeError);
  });

  it('refuses a negative or non-finite TTL with a TypeError (core answers 503)', async () => {
    const store = redisReplayStore(client, { keyPrefix: prefix });
    await expect(store.checkAndStore(newKey(), -1)).rejects.toThrow(TypeError);
    await expect(store.checkAndStore(newKey(), Number.POSITIVE_INFINITY)).rejects.toThrow(
      TypeError,
    );
  });
});
