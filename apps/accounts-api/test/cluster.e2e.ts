/**
 * Beyond one machine: two accounts-api processes behind one public URL, as behind a load
 * balancer, sharing Redis (REDIS_URL, the DPoP replay store), a nonce secret
 * (DPOP_NONCE_SECRET) and PostgreSQL (DATABASE_URL, a fresh database for this file, dropped
 * afterwards). A proof accepted by one instance is refused by the other; a nonce issued by one
 * is accepted by the other; one x-idempotency-key sent to both at once pays once. The contrast:
 * two instances with in-memory replay stores both accept the same proof. And an instance whose
 * Redis is unreachable fails closed (503).
 *
 * Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432; never skipped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { spawnAuthServer, type SpawnedAuthServer } from '../../auth-server/src/spawn.js';
import { ApiClient, rebase, type Exchange } from '../src/walkthrough/api-client.js';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { closedPort, ensureBuilt, spawnAccountsApi, type SpawnedApi } from './support/servers.js';
import {
  ALICE_ACCOUNTS,
  CA,
  DPOP_SIGNER,
  accountIds,
  body,
  dpopSession,
  exchangesOf,
  expectRefused,
  proofClaims,
  settledAuditLines,
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
/** alice again, with scope `payments`. */
let payer: DpopSession;
/** The database every instance uses (C, D and E too: only their replay stores differ). */
let database: TestDatabase;
let sql: pg.Pool;

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

const replayKeys = () => redis.keys(`${KEY_PREFIX}*`);

beforeAll(async () => {
  redis = await connectRedis();
  database = await createTestDatabase();
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  ensureBuilt();
  as = await spawnAuthServer();
  const common = {
    AS_ISSUER: as.issuer,
    PUBLIC_URL,
    DPOP_NONCE: '1',
    DATABASE_URL: database.url,
  };
  const shared = { ...common, DPOP_NONCE_SECRET: NONCE_SECRET };
  const withRedis = { ...shared, REDIS_URL, REDIS_KEY_PREFIX: KEY_PREFIX };
  [a, b, c, d, e, alice, payer] = await Promise.all([
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
    dpopSession({ issuer: as.issuer, resource: PUBLIC_URL, scope: 'openid accounts payments' }),
  ]);
}, 90_000);

afterAll(async () => {
  await alice?.client.close();
  await payer?.client.close();
  await Promise.all([a, b, c, d, e, as].map((server) => server?.stop()));
  await sql?.end();
  await database?.drop();
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

  it('B logs the replay as a deny with ERR_FAPI_DPOP_REPLAY', async () => {
    expect((await settledAuditLines(b)).map((line) => [line.outcome, line.code])).toEqual([
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
    expect((await settledAuditLines(e)).at(-1)).toMatchObject({
      outcome: 'deny',
      status: 503,
      code: 'ERR_FAPI_STORE_UNAVAILABLE',
    });
    expect(e.stderr()).toMatch(/DPoP replay store unavailable \(ERR_FAPI_REDIS_\w+/);
    expect(e.stderr()).not.toContain('redis://');
  });
});

describe('two instances sharing PostgreSQL (DATABASE_URL): payments and idempotency keys', () => {
  const PAYMENTS = `${PUBLIC_URL}/domestic-payments`;
  const payment = {
    debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
    instructedAmount: { amount: '12.34', currency: 'GBP' },
    creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
    reference: 'Cluster dinner',
  };
  const key = randomUUID();
  let answers: [Exchange, Exchange];
  let paymentId: string;

  /**
   * Two clients holding the same token and DPoP key, as two threads of one TPP: an ApiClient
   * records its exchanges in one list, so concurrent calls each get a client of their own.
   */
  let clients: [ApiClient, ApiClient];
  beforeAll(() => {
    const session = {
      accessToken: payer.token.accessToken,
      dpopKey: payer.dpopKey,
      ca: CA,
      signer: DPOP_SIGNER,
    };
    clients = [new ApiClient(session), new ApiClient(session)];
  });
  afterAll(() => Promise.all(clients.map((client) => client.close())));

  const pay = (
    instance: SpawnedApi,
    idempotencyKey: string,
    json: unknown = payment,
    client: ApiClient = payer.client,
  ) =>
    client.call('POST', PAYMENTS, {
      deliverTo: instance.listenUrl,
      headers: { 'x-idempotency-key': idempotencyKey },
      body: json,
    });
  const available = async (instance: SpawnedApi) => {
    const balances = await payer.client.call(
      'GET',
      `${ACCOUNTS}/${DEMO_ACCOUNTS.aliceCurrent}/balances`,
      { deliverTo: instance.listenUrl },
    );
    expect(balances.response.status).toBe(200);
    // The available balance: the booked one changes when the payment settles meanwhile.
    const all = body(balances).data as Array<{ type: string; amount: { amount: string } }>;
    return all.find((b) => b.type === 'InterimAvailable')?.amount.amount;
  };
  const rows = async (text: string, params: unknown[]) => (await sql.query(text, params)).rows;

  it('pays once for one x-idempotency-key sent to A and B at once: both 201, one paymentId', async () => {
    answers = await Promise.all([
      pay(a, key, payment, clients[0]),
      pay(b, key, payment, clients[1]),
    ]);
    expect(answers.map((x) => x.request.url)).toEqual([
      `${a.listenUrl}/domestic-payments`,
      `${b.listenUrl}/domestic-payments`,
    ]);
    expect(answers.map((x) => x.response.status)).toEqual([201, 201]);
    const ids = answers.map((x) => body(x).data.paymentId as string);
    expect(ids[0]).toMatch(/^pmt-[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
    paymentId = ids[0]!;
    // One answer is the original, the other its replay (Idempotent-Replayed: true).
    expect(answers.map((x) => x.response.headers['idempotent-replayed'] ?? '-').sort()).toEqual([
      '-',
      'true',
    ]);
    expect(body(answers[1])).toEqual(body(answers[0]));
    expect(answers.map((x) => x.response.headers.location)).toEqual([
      `${PAYMENTS}/${paymentId}`,
      `${PAYMENTS}/${paymentId}`,
    ]);
    expect(await rows('SELECT payment_id FROM payments WHERE idempotency_key = $1', [key])).toEqual(
      [{ payment_id: paymentId }],
    );
    expect(
      await rows('SELECT amount_minor FROM transactions WHERE payment_id = $1', [paymentId]),
    ).toEqual([{ amount_minor: '-1234' }]);
  });

  it('shows the payment and its debit at either instance', async () => {
    for (const instance of [a, b]) {
      const status = await payer.client.call('GET', `${PAYMENTS}/${paymentId}`, {
        deliverTo: instance.listenUrl,
      });
      expect(status.response.status).toBe(200);
      expect(body(status).data).toMatchObject({
        paymentId,
        instructedAmount: { amount: '12.34', currency: 'GBP' },
      });
    }
    expect(await available(a)).toEqual(await available(b));
  });

  it('replays the payment to a later retry at either instance, never paying twice', async () => {
    const before = await available(a);
    for (const instance of [a, b]) {
      const retry = await pay(instance, key);
      expect(retry.response.status).toBe(201);
      expect(retry.response.headers['idempotent-replayed']).toBe('true');
      expect(body(retry).data.paymentId).toBe(paymentId);
    }
    expect(await available(b)).toEqual(before);
    expect(await rows('SELECT count(*)::int AS n FROM payments', [])).toEqual([{ n: 1 }]);
  });

  it('refuses the key reused with another body at the other instance: 422 idempotency_key_reused', async () => {
    const reused = await pay(b, key, {
      ...payment,
      instructedAmount: { amount: '99.99', currency: 'GBP' },
    });
    expect(reused.response.status).toBe(422);
    expect(body(reused)).toMatchObject({ error: 'idempotency_key_reused' });
    expect(await rows('SELECT count(*)::int AS n FROM payments', [])).toEqual([{ n: 1 }]);
  });

  it('refuses a reference with a control character: 400 invalid_request, nothing stored', async () => {
    const refused = await pay(a, randomUUID(), { ...payment, reference: 'nul\u0000byte' });
    expect(refused.response.status).toBe(400);
    expect(body(refused)).toMatchObject({
      error: 'invalid_request',
      errors: [{ field: 'reference', messages: ['reference must not contain control characters'] }],
    });
    expect(await rows('SELECT count(*)::int AS n FROM payments', [])).toEqual([{ n: 1 }]);
  });
});

describe('shutdown', () => {
  it('closes the Redis client and the database pool: both instances exit with code 0 on SIGTERM', async () => {
    await Promise.all([a.stop(), b.stop()]);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([0, 0]);
  });
});
