/**
 * Redis failures, on a redis-server of the test's own: killed (503, then recovery without a new
 * store), slow (503 by the store's own timeout), never started, and failOpen. The cause codes
 * say which bound answered; a hang fails the test by Jest's timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceServer } from '@fapi-guard/core';
import { Redis } from 'ioredis';
import { redisReplayStore, RedisStoreError } from '../src/index.js';
import { createApi, rejectionOf, type Api } from './fixture.js';
import { connect, ownRedisServer, type OwnRedisServer } from './redis-server.js';

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
  const error = await rejectionOf(instance, await api.request());
  expect({ status: error.status, code: error.code }).toEqual({
    status: 503,
    code: 'ERR_FAPI_STORE_UNAVAILABLE',
  });
  expect(error.headers['www-authenticate']).toBeUndefined();
  expect(error.cause).toBeInstanceOf(RedisStoreError);
  return error.cause as RedisStoreError;
}

/** Retries with fresh proofs until a request passes, at most `attempts` times. */
async function recovered(instance: ResourceServer, attempts: number): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await instance.verify(await api.request());
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
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

  it('answers 503 ERR_FAPI_STORE_UNAVAILABLE once Redis is killed', async () => {
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

  it('keeps answering 503 while ioredis keeps reconnecting', async () => {
    for (let i = 0; i < 10; i += 1) {
      await expectUnavailable(rs);
      await sleep(30);
    }
  });

  it('accepts without a replay check while down with failOpen: true, and reports it', async () => {
    const before = failOpenErrors.length;
    const result = await failOpenRs.verify(await api.request());
    expect(result.binding.kind).toBe('dpop');
    expect(failOpenErrors.length).toBe(before + 1);
    expect(failOpenErrors.at(-1)).toBeInstanceOf(RedisStoreError);
  });

  it('recovers by itself, with the same store and client, when Redis is back on its port', async () => {
    await server.start();
    await recovered(rs, 200);
    const request = await api.request();
    await rs.verify(request);
    expect((await rejectionOf(rs, request)).code).toBe('ERR_FAPI_DPOP_REPLAY');
  });

  it('answers 503 by its own timeout when Redis is slow (CLIENT PAUSE 1000)', async () => {
    admin = await connect(server.port);
    // Redis answers OK once the pause holds: from then on every client's commands wait.
    await admin.call('CLIENT', 'PAUSE', '1000');
    const cause = await expectUnavailable(rs);
    expect(cause.code).toBe('ERR_FAPI_REDIS_TIMEOUT');
    // The admin connection waits too: its PING is answered when the pause is over.
    await admin.ping();
    await expect(rs.verify(await api.request())).resolves.toBeDefined();
  });

  it('answers 503 when Redis was never reachable', async () => {
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
