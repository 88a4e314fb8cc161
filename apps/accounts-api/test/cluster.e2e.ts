/**
 * Beyond one machine: two accounts-api processes behind one public URL, as behind a load
 * balancer, sharing Redis (REDIS_URL, the DPoP replay store) and a nonce secret
 * (DPOP_NONCE_SECRET). A proof accepted by one instance is refused by the other; a nonce issued
 * by one is accepted by the other. The contrast: two instances with in-memory replay stores
 * both accept the same proof. And an instance whose Redis is unreachable fails closed (503).
 *
 * Needs Redis on 127.0.0.1:6379; never skipped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { spawnAuthServer, type SpawnedAuthServer } from '../../auth-server/src/spawn.js';
import { ApiClient, rebase, type Exchange } from '../src/walkthrough/api-client.js';
import { ensureBuilt, spawnAccountsApi, type SpawnedApi } from './support/servers.js';
import {
  ALICE_ACCOUNTS,
  CA,
  accountIds,
  body,
  dpopSession,
  exchangesOf,
  expectRefused,
  proofClaims,
  type DpopSession,
} from './support/sessions.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_MISSING =
  'Redis not reachable at 127.0.0.1:6379 — start it with ' +
  'redis-server --daemonize yes --port 6379 --save "" --appendonly no';
/**
 * The address clients use: the load balancer's. Nothing listens there: each request is
 * delivered to the instance the test picks, unchanged, as a load balancer would. Every instance
 * has it as PUBLIC_URL (the DPoP `htu` base) and so as its audience: one token fits all.
 */
const PUBLIC_URL = 'https://localhost:8443';
const ACCOUNTS = `${PUBLIC_URL}/accounts`;
/** Replay keys of this run only. */
const KEY_PREFIX = `fapi:test:cluster:${randomUUID()}:`;
const NONCE_SECRET = randomBytes(32).toString('base64url');

let redis: Redis;
let as: SpawnedAuthServer;
/** A and B: Redis and the shared nonce secret. */
let a: SpawnedApi;
let b: SpawnedApi;
/** C and D: the shared nonce secret, in-memory replay stores. */
let c: SpawnedApi;
let d: SpawnedApi;
/** E: Redis unreachable, nonces from its own random secret. */
let e: SpawnedApi;
let alice: DpopSession;

async function connectRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    throw new Error(REDIS_MISSING);
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const replayKeys = () => redis.keys(`${KEY_PREFIX}*`);

beforeAll(async () => {
  redis = await connectRedis();
  ensureBuilt();
  as = await spawnAuthServer();
  const common = {
    AS_ISSUER: as.issuer,
    PUBLIC_URL,
    DPOP_NONCE: '1',
  };
  const shared = { ...common, DPOP_NONCE_SECRET: NONCE_SECRET };
  const withRedis = { ...shared, REDIS_URL, REDIS_KEY_PREFIX: KEY_PREFIX };
  [a, b, c, d, e, alice] = await Promise.all([
    spawnAccountsApi(withRedis),
    spawnAccountsApi(withRedis),
    spawnAccountsApi(shared),
    spawnAccountsApi(shared),
    closedPort().then((port) =>
      spawnAccountsApi({
        ...common,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_KEY_PREFIX: KEY_PREFIX,
        LOG_LEVEL: 'warn',
      }),
    ),
    dpopSession({ issuer: as.issuer, resource: PUBLIC_URL }),
  ]);
}, 60_000);

afterAll(async () => {
  await alice?.client.close();
  await Promise.all([a, b, c, d, e, as].map((server) => server?.stop()));
  if (redis) {
    const keys = await replayKeys();
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

describe('two instances sharing Redis (REDIS_URL) and DPOP_NONCE_SECRET', () => {
  let accepted: Exchange;
  let nonceFromA: string;

  it('hold one token valid at both: audience and htu base are the public URL', () => {
    expect([a.url, b.url]).toEqual([PUBLIC_URL, PUBLIC_URL]);
    expect(a.listenUrl).not.toBe(b.listenUrl);
    expect(alice.token.claims).toMatchObject({ sub: 'alice', aud: PUBLIC_URL });
  });

  it('A accepts a request after one use_dpop_nonce retry, with the nonce A issued', async () => {
    const sent = await exchangesOf(alice.client, () =>
      alice.client.call('GET', ACCOUNTS, { deliverTo: a.listenUrl }),
    );
    expect(sent.map((x) => [x.request.url, x.response.status])).toEqual([
      [`${a.listenUrl}/accounts`, 401],
      [`${a.listenUrl}/accounts`, 200],
    ]);
    const [challenge, ok] = sent as [Exchange, Exchange];
    expectRefused(challenge, 401, 'use_dpop_nonce');
    nonceFromA = challenge.response.headers['dpop-nonce']!;
    expect(nonceFromA).toMatch(/^[0-9a-z]+\.[\w-]{32}$/);
    expect(proofClaims(ok.request.headers.dpop)).toMatchObject({
      htu: ACCOUNTS,
      nonce: nonceFromA,
    });
    expect(accountIds(ok)).toEqual(ALICE_ACCOUNTS);
    accepted = ok;

    // The accepted proof is one key in Redis, kept for the proof window + 2 × tolerance (80 s).
    const keys = await replayKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${KEY_PREFIX}[\\w-]{43}$`));
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(70_000);
    expect(ttl).toBeLessThanOrEqual(80_000);
  });

  it('B refuses the identical request replayed: 401 invalid_dpop_proof, proof already used', async () => {
    const replay = await alice.client.send({
      ...accepted.request,
      url: rebase(accepted.request.url, b.listenUrl),
    });
    expect(replay.request.headers).toEqual(accepted.request.headers);
    expectRefused(replay, 401, 'invalid_dpop_proof');
    expect(replay.response.headers['www-authenticate']).toMatch(
      /^DPoP error="invalid_dpop_proof", error_description="DPoP proof was already used"/,
    );
    expect(body(replay).error_description).toBe('DPoP proof was already used');
    expect(await replayKeys()).toHaveLength(1);
  });

  it('B accepts a fresh proof carrying the nonce A issued, without a retry', async () => {
    const sent = await exchangesOf(alice.client, () =>
      alice.client.call('GET', ACCOUNTS, { deliverTo: b.listenUrl }),
    );
    expect(sent).toHaveLength(1);
    const [fresh] = sent as [Exchange];
    expect(fresh.request.url).toBe(`${b.listenUrl}/accounts`);
    expect(fresh.response.status).toBe(200);
    expect(accountIds(fresh)).toEqual(ALICE_ACCOUNTS);
    const proof = proofClaims(fresh.request.headers.dpop);
    expect(proof.nonce).toBe(nonceFromA);
    expect(proof.jti).not.toBe(proofClaims(accepted.request.headers.dpop).jti);
    expect(await replayKeys()).toHaveLength(2);
  });

  it('B logs the replay as a deny with ERR_FAPI_DPOP_REPLAY', () => {
    expect(b.auditLines().map((line) => [line.outcome, line.code])).toEqual([
      ['deny', 'ERR_FAPI_DPOP_REPLAY'],
      ['allow', undefined],
    ]);
  });
});

describe('the contrast: two instances WITHOUT REDIS_URL (in-memory replay stores)', () => {
  it('D accepts the replay of a request C accepted (200): each knows only its own proofs', async () => {
    const original = await alice.client.call('GET', ACCOUNTS, { deliverTo: c.listenUrl });
    expect(original.response.status).toBe(200);
    const replay = await alice.client.send({
      ...original.request,
      url: rebase(original.request.url, d.listenUrl),
    });
    expect(replay.response.status).toBe(200);
    expect(accountIds(replay)).toEqual(ALICE_ACCOUNTS);
    // C itself still refuses it: the in-memory store protects one instance only.
    const again = await alice.client.send(original.request);
    expectRefused(again, 401, 'invalid_dpop_proof');
  });
});

describe('an instance without the shared nonce secret whose Redis is unreachable', () => {
  let client: ApiClient;
  beforeAll(() => {
    // Its own nonce cache: what E issues must not reach the sessions above.
    client = new ApiClient({
      accessToken: alice.token.accessToken,
      dpopKey: alice.dpopKey,
      ca: CA,
    });
  });
  afterAll(() => client.close());

  it('refuses nonces of the cluster (401 use_dpop_nonce), then fails closed (503)', async () => {
    const sent = await exchangesOf(client, () =>
      client.call('GET', ACCOUNTS, { deliverTo: e.listenUrl }),
    );
    expect(sent.map((x) => x.response.status)).toEqual([401, 503]);
    const [challenge, unavailable] = sent as [Exchange, Exchange];
    expectRefused(challenge, 401, 'use_dpop_nonce');
    expect(unavailable.response.status).toBe(503);
    expect(unavailable.response.headers['www-authenticate']).toBeUndefined();
    expect(body(unavailable)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The replay protection store is temporarily unavailable',
    });
    expect(e.auditLines().at(-1)).toMatchObject({
      outcome: 'deny',
      status: 503,
      code: 'ERR_FAPI_STORE_UNAVAILABLE',
    });
    expect(e.stderr()).toMatch(/DPoP replay store unavailable \(ERR_FAPI_REDIS_\w+/);
    expect(e.stderr()).not.toContain('redis://');
  });
});

describe('shutdown', () => {
  it('closes the Redis client: both instances exit with code 0 on SIGTERM', async () => {
    await Promise.all([a.stop(), b.stop()]);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([0, 0]);
  });
});
