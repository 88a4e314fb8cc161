/**
 * Two "API instances" (two resource servers, each with its own token cache) share one Redis
 * replay store: a DPoP proof used at one instance is a replay at the other.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceServer } from '@fapi-guard/core';
import type { Redis } from 'ioredis';
import { redisReplayStore, type RedisReplayStore } from '../src/index.js';
import { createApi, REPLAY_TTL_MS, rejectionOf, type Api } from './fixture.js';
import { connectShared, deleteKeys, scanKeys } from './redis-server.js';

const prefix = `fapi-test:${randomUUID()}:`;
let client: Redis;
let api: Api;
let store: RedisReplayStore;
let a: ResourceServer;
let b: ResourceServer;

beforeAll(async () => {
  client = await connectShared();
  api = await createApi();
  store = redisReplayStore(client, { keyPrefix: prefix });
  a = api.instance(store);
  b = api.instance(store);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  if (!client) return;
  await deleteKeys(client, prefix);
  await client.quit();
});

describe('a Redis replay store shared by two API instances', () => {
  it('rejects at instance B a DPoP request already accepted by instance A', async () => {
    const request = await api.request();
    const principal = await a.verify(request, { scopes: ['accounts'] });
    expect(principal.binding).toEqual({ kind: 'dpop', jkt: api.dpopKey.jkt });

    const replay = await rejectionOf(b, request);
    expect({ status: replay.status, code: replay.code, error: replay.error }).toEqual({
      status: 401,
      code: 'ERR_FAPI_DPOP_REPLAY',
      error: 'invalid_dpop_proof',
    });
    expect(replay.headers['www-authenticate']).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
    expect((await rejectionOf(a, request)).code).toBe('ERR_FAPI_DPOP_REPLAY');
  });

  it('accepts at B a new proof for the same token', async () => {
    const first = await api.request();
    await a.verify(first);
    const second = await api.request();
    await expect(b.verify(second)).resolves.toMatchObject({ binding: { kind: 'dpop' } });
  });

  it('lets only one of two instances racing with the same proof accept it', async () => {
    const request = await api.request();
    const outcomes = await Promise.allSettled([a.verify(request), b.verify(request)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({
      code: 'ERR_FAPI_DPOP_REPLAY',
    });
  });

  it('stores one prefixed 43-character base64url key per proof, for maxAge + 2 × tolerance', async () => {
    const isolated = `${prefix}one:`;
    const rs = api.instance(redisReplayStore(client, { keyPrefix: isolated }));
    await rs.verify(await api.request());
    const keys = await scanKeys(client, isolated);
    expect(keys).toHaveLength(1);
    expect(keys[0]?.slice(isolated.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const pttl = await client.pttl(keys[0] as string);
    expect(pttl).toBeGreaterThan(REPLAY_TTL_MS - 1_000);
    expect(pttl).toBeLessThanOrEqual(REPLAY_TTL_MS);
    await rs.close();
  });
});
