/**
 * Redis failures, on a redis-server of the test's own: killed (503 fast, then recovery without a
 * new store), slow (503 within timeoutMs), never started, and failOpen.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceServer } from '@fapi-guard/core';
import { Redis } from 'ioredis';
import { redisReplayStore, RedisStoreError } from '../src/index.js';
import { createApi, rejectionOf, timed, type Api } from './fixture.js';
import { connect, ownRedisServer, type OwnRedisServer } from './redis-server.js';

/** Every answer during an outage must come well inside this. */
const BOUND_MS = 1_000;
const TIMEOUT_MS = 200;

let server: OwnRedisServer;
let client: Redis;
let admin: Redis | undefined;
let api: Api;
let rs: ResourceServer;
let failOpenRs: ResourceServer;
const errors: Error[] = [];
const failOpenErrors: Error[] = [];

beforeAll(async () => {
  server = await ownRedisServer();
  await server.start();
  client = await connect(server.port);
  api = await createApi();
  rs = api.instance(
    redisReplayStore(client, { timeoutMs: TIMEOUT_MS, onError: (e) => errors.push(e) }),
  );
  failOpenRs = api.instance(
    redisReplayStore(client, {
      timeoutMs: TIMEOUT_MS,
      failOpen: true,
      onError: (e) => failOpenErrors.push(e),
    }),
  );
});

afterAll(async () => {
  await rs?.close();
  await failOpenRs?.close();
  client?.disconnect();
  admin?.disconnect();
  await server?.kill();
});

async function expectUnavailable(instance: ResourceServer): Promise<RedisStoreError> {
  const { ms, result: error } = await timed(async () => rejectionOf(instance, await api.request()));
  expect(ms).toBeLessThan(BOUND_MS);
  expect({ status: error.status, code: error.code }).toEqual({
    status: 503,
    code: 'ERR_FAPI_STORE_UNAVAILABLE',
  });
  expect(error.headers['www-authenticate']).toBeUndefined();
  expect(error.cause).toBeInstanceOf(RedisStoreError);
  return error.cause as RedisStoreError;
}

/** Retries with fresh proofs until a request passes; how long recovery took. */
async function recovered(instance: ResourceServer, withinMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await instance.verify(await api.request());
      return performance.now() - started;
    } catch (error) {
      if (performance.now() - started > withinMs) throw error;
      await sleep(25);
    }
  }
}

describe('a Redis replay store when Redis fails', () => {
  it('accepts requests while Redis answers', async () => {
    await expect(rs.verify(await api.request())).resolves.toMatchObject({
      binding: { kind: 'dpop' },
    });
  });

  it('answers 503 ERR_FAPI_STORE_UNAVAILABLE within the bound once Redis is killed', async () => {
    await server.kill();
    const causes: RedisStoreError[] = [];
    for (let i = 0; i < 5; i += 1) causes.push(await expectUnavailable(rs));
    for (const cause of causes) {
      expect([
        'ERR_FAPI_REDIS_DISCONNECTED',
        'ERR_FAPI_REDIS_COMMAND',
        'ERR_FAPI_REDIS_TIMEOUT',
      ]).toContain(cause.code);
    }
    expect(errors.length).toBeGreaterThanOrEqual(5);
  });

  it('stays within the bound while ioredis keeps reconnecting', async () => {
    const { ms } = await timed(async () => {
      for (let i = 0; i < 10; i += 1) {
        await expectUnavailable(rs);
        await sleep(30);
      }
    });
    expect(ms).toBeLessThan(10 * BOUND_MS);
  });

  it('accepts without a replay check while down with failOpen: true, and reports it', async () => {
    const before = failOpenErrors.length;
    const { ms, result } = await timed(async () => failOpenRs.verify(await api.request()));
    expect(ms).toBeLessThan(BOUND_MS);
    expect(result.binding.kind).toBe('dpop');
    expect(failOpenErrors.length).toBe(before + 1);
    expect(failOpenErrors.at(-1)).toBeInstanceOf(RedisStoreError);
  });

  it('recovers by itself, with the same store and client, when Redis is back on its port', async () => {
    await server.start();
    const ms = await recovered(rs, 5_000);
    expect(ms).toBeLessThan(5_000);
    const request = await api.request();
    await rs.verify(request);
    expect((await rejectionOf(rs, request)).code).toBe('ERR_FAPI_DPOP_REPLAY');
  });

  it('answers 503 within timeoutMs when Redis is slow (DEBUG SLEEP 1)', async () => {
    admin = await connect(server.port);
    const sleeping = admin.call('DEBUG', 'SLEEP', '1');
    await sleep(50);
    const { ms, result: cause } = await timed(() => expectUnavailable(rs));
    expect(cause.code).toBe('ERR_FAPI_REDIS_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(ms).toBeLessThan(TIMEOUT_MS + 300);
    await sleeping;
    await expect(rs.verify(await api.request())).resolves.toBeDefined();
  });

  it('answers 503 within timeoutMs when Redis was never reachable', async () => {
    const nowhere = await ownRedisServer();
    // disconnectTimeout: ioredis arms a 2 s timer when disconnecting a socket that never opened.
    const offline = new Redis({ host: '127.0.0.1', port: nowhere.port, disconnectTimeout: 10 });
    offline.on('error', () => {});
    const instance = api.instance(
      redisReplayStore(offline, { timeoutMs: TIMEOUT_MS, onError: () => {} }),
    );
    try {
      for (let i = 0; i < 3; i += 1) await expectUnavailable(instance);
    } finally {
      offline.disconnect();
      await instance.close();
    }
  });
});
