/**
 * End to end: the dev authorization server and the accounts API, both real processes over
 * HTTPS; tokens obtained with openid-client (PAR, PKCE, private_key_jwt + DPoP, or
 * self_signed_tls_client_auth with a real client certificate); resource calls with
 * oauth4webapi; attacks hand-built.
 */
import { randomUUID } from 'node:crypto';
import {
  generateDpopKey,
  obtainAccessToken,
  type AccessTokenResult,
} from '../../auth-server/src/client-flow.js';
import { loadDevFixtures } from '../../auth-server/src/fixtures.js';
import { spawnAuthServer, type SpawnedAuthServer } from '../../auth-server/src/spawn.js';
import { DEMO_ACCOUNTS, iban } from '../src/store/demo-data.js';
import { ApiClient, oauthError, type Exchange } from '../src/walkthrough/api-client.js';
import { broadConsent } from '../src/walkthrough/consents.js';
import { ensureBuilt, spawnAccountsApi, type SpawnedApi } from './support/servers.js';
import { DPOP_SIGNER, MTLS_SIGNER } from './support/sessions.js';

const fixtures = loadDevFixtures();
const CA = fixtures.tls.ca;
const BOB_IBAN = iban('GB', 'FAPG20051563918204');
const ALICE_ACCOUNTS = [
  DEMO_ACCOUNTS.aliceCurrent,
  DEMO_ACCOUNTS.aliceSavings,
  DEMO_ACCOUNTS.aliceTravel,
];
const BOB_ACCOUNTS = [DEMO_ACCOUNTS.bobCurrent, DEMO_ACCOUNTS.bobSavings];

let as: SpawnedAuthServer;
let api: SpawnedApi;
const clients: ApiClient[] = [];

beforeAll(async () => {
  ensureBuilt();
  as = await spawnAuthServer();
  api = await spawnAccountsApi({ AS_ISSUER: as.issuer });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([api?.stop(), as?.stop()]);
});

interface Session {
  token: AccessTokenResult;
  client: ApiClient;
}

async function dpopSession(
  username: 'alice' | 'bob',
  scope = 'openid accounts payments',
  target: SpawnedApi = api,
): Promise<Session> {
  const user = fixtures.users.find((u) => u.username === username)!;
  const dpopKey = await generateDpopKey('ES256');
  const token = await obtainAccessToken({
    issuer: as.issuer,
    clientId: fixtures.clients.dpop.clientId,
    clientKey: fixtures.clients.dpop.privateJwk,
    dpopKey,
    ca: CA,
    scope,
    resource: target.url,
    authorizationDetails: broadConsent(),
    username: user.username,
    password: user.password,
  });
  const client = new ApiClient({
    accessToken: token.accessToken,
    dpopKey,
    ca: CA,
    signer: DPOP_SIGNER,
  });
  clients.push(client);
  return { token, client };
}

async function mtlsSession(username: 'alice' | 'bob', target: SpawnedApi = api): Promise<Session> {
  const user = fixtures.users.find((u) => u.username === username)!;
  const tls = { cert: fixtures.clients.mtls.cert, key: fixtures.clients.mtls.key };
  const token = await obtainAccessToken({
    issuer: as.issuer,
    clientId: fixtures.clients.mtls.clientId,
    tls: { ...tls, ca: CA },
    scope: 'openid accounts payments',
    resource: target.url,
    authorizationDetails: broadConsent(),
    username: user.username,
    password: user.password,
  });
  const client = new ApiClient({
    accessToken: token.accessToken,
    ca: CA,
    tls,
    signer: MTLS_SIGNER,
  });
  clients.push(client);
  return { token, client };
}

function bareClient(tls?: { cert: string; key: string }): ApiClient {
  const client = new ApiClient({ accessToken: '', ca: CA, ...(tls ? { tls } : {}) });
  clients.push(client);
  return client;
}

// The assertions read JSON answers loosely; their shapes are checked by the assertions themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = (exchange: Exchange) => exchange.response.body as Record<string, any>;
const ids = (exchange: Exchange) =>
  (body(exchange).data as Array<{ accountId: string }>).map((a) => a.accountId);

function payment(debtorAccountId: string, amount = '25.00') {
  return {
    debtorAccountId,
    instructedAmount: { amount, currency: 'GBP' },
    creditorAccount: { name: 'Bob Example', iban: BOB_IBAN },
    reference: 'Dinner',
  };
}

async function available(client: ApiClient, accountId: string): Promise<number> {
  const balances = await client.call('GET', `${api.url}/accounts/${accountId}/balances`);
  const entry = (body(balances).data as Array<{ type: string; amount: { amount: string } }>).find(
    (b) => b.type === 'InterimAvailable',
  );
  return Math.round(Number(entry?.amount.amount) * 100);
}

function expectRefused(exchange: Exchange, status: number, error: string): void {
  expect({ status: exchange.response.status, error: oauthError(exchange) }).toEqual({
    status,
    error,
  });
  expect(body(exchange).error).toBe(error);
  expect(exchange.response.headers['cache-control']).toBe('no-store');
}

describe('DPoP client (dpop-client: PAR + PKCE + private_key_jwt + DPoP)', () => {
  let alice: Session;
  let bob: Session;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([dpopSession('alice'), dpopSession('bob')]);
  }, 30_000);

  it('gets a DPoP-bound token for this API', () => {
    expect(alice.token.tokenType).toBe('DPoP');
    expect(alice.token.claims).toMatchObject({
      sub: 'alice',
      aud: api.url,
      scope: 'accounts payments',
    });
  });

  it("returns alice's accounts, and only hers, with FAPI headers", async () => {
    const interactionId = randomUUID();
    const list = await alice.client.call('GET', `${api.url}/accounts`, {
      headers: { 'x-fapi-interaction-id': interactionId },
    });
    expect(list.response.status).toBe(200);
    expect(ids(list)).toEqual(ALICE_ACCOUNTS);
    expect(body(list).data.every((a: { name: string }) => a.name === 'Alice Example')).toBe(true);
    expect(list.response.headers['x-fapi-interaction-id']).toBe(interactionId);
    expect(list.response.headers['cache-control']).toBe('no-store');
  });

  it("never shows alice's accounts, balances, transactions or payments to bob", async () => {
    expect(ids(await bob.client.call('GET', `${api.url}/accounts`))).toEqual(BOB_ACCOUNTS);
    for (const path of ['', '/balances', '/transactions']) {
      const probe = await bob.client.call(
        'GET',
        `${api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}${path}`,
      );
      expect(probe.response.status).toBe(404);
      expect(body(probe)).toEqual({ error: 'not_found', error_description: 'No such account' });
    }
    const steal = await bob.client.call('POST', `${api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expect(steal.response.status).toBe(422);
    expect(body(steal).error).toBe('unknown_debtor_account');

    const paid = await alice.client.call('POST', `${api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent, '1.00'),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    const peek = await bob.client.call(
      'GET',
      `${api.url}/domestic-payments/${body(paid).data.paymentId}`,
    );
    expect(peek.response.status).toBe(404);
  });

  it('returns real transactions within the date range, newest first, paged', async () => {
    const url = `${api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}/transactions`;
    const now = new Date();
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1));
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 0));
    const [from, to] = [first, last].map((d) => d.toISOString().slice(0, 10));
    const page1 = await alice.client.call('GET', `${url}?from=${from}&to=${to}&pageSize=10`);
    expect(page1.response.status).toBe(200);
    const { data, meta, links } = body(page1);
    expect(meta).toMatchObject({ page: 1, pageSize: 10 });
    expect(meta.totalItems).toBeGreaterThan(10);
    const days = data.map((t: { bookingDateTime: string }) => t.bookingDateTime.slice(0, 10));
    expect(days.every((d: string) => d >= from! && d <= to!)).toBe(true);
    expect(days).toEqual([...days].sort().reverse());
    expect(data.map((t: { description: string }) => t.description)).toEqual(
      expect.arrayContaining([expect.any(String)]),
    );
    const page2 = await alice.client.call('GET', links.next);
    expect(body(page2).meta.page).toBe(2);
    expect(body(page2).data[0].bookingDateTime <= data[9].bookingDateTime).toBe(true);

    const invalid = await alice.client.call('GET', `${url}?from=2025-02-30&pageSize=500`);
    expect(invalid.response.status).toBe(400);
    expect(
      body(invalid)
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['from', 'pageSize']);
  });

  it('pays once per x-idempotency-key: the repeat returns the original payment', async () => {
    const before = await available(alice.client, DEMO_ACCOUNTS.aliceSavings);
    const key = randomUUID();
    const request = {
      body: { ...payment(DEMO_ACCOUNTS.aliceSavings) },
      headers: { 'x-idempotency-key': key },
    };
    const created = await alice.client.call('POST', `${api.url}/domestic-payments`, request);
    const repeated = await alice.client.call('POST', `${api.url}/domestic-payments`, request);
    expect(created.response.status).toBe(201);
    expect(repeated.response.status).toBe(201);
    expect(repeated.response.headers['idempotent-replayed']).toBe('true');
    expect(created.response.headers['idempotent-replayed']).toBeUndefined();
    expect(body(repeated)).toEqual(body(created));
    const { paymentId, status } = body(created).data;
    expect(status).toBe('AcceptedSettlementInProcess');
    expect(created.response.headers.location).toBe(`${api.url}/domestic-payments/${paymentId}`);
    expect(await available(alice.client, DEMO_ACCOUNTS.aliceSavings)).toBe(before - 2500);

    const recent = await alice.client.call(
      'GET',
      `${api.url}/accounts/${DEMO_ACCOUNTS.aliceSavings}/transactions?pageSize=5`,
    );
    const fromPayment = body(recent).data.filter(
      (t: { paymentId?: string }) => t.paymentId === paymentId,
    );
    expect(fromPayment).toEqual([
      expect.objectContaining({
        status: 'Pending',
        creditDebitIndicator: 'Debit',
        amount: { amount: '25.00', currency: 'GBP' },
      }),
    ]);

    const status2 = await alice.client.call('GET', `${api.url}/domestic-payments/${paymentId}`);
    expect(body(status2).data.paymentId).toBe(paymentId);

    const other = await alice.client.call('POST', `${api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceSavings, '30.00'),
      headers: { 'x-idempotency-key': key },
    });
    expect(other.response.status).toBe(422);
    expect(body(other).error).toBe('idempotency_key_reused');
    expect(await available(alice.client, DEMO_ACCOUNTS.aliceSavings)).toBe(before - 2500);
  });

  it('answers 400 with field errors for an invalid body or a missing idempotency key', async () => {
    const invalid = await alice.client.call('POST', `${api.url}/domestic-payments`, {
      body: {
        debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
        instructedAmount: { amount: '-5', currency: 'POUNDS' },
        creditorAccount: { name: '', iban: 'GB00NOTANIBAN' },
        reference: 'x',
        memo: 'unexpected',
      },
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expect(invalid.response.status).toBe(400);
    expect(body(invalid)).toMatchObject({ error: 'invalid_request' });
    expect(
      body(invalid)
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual([
      'creditorAccount.iban',
      'creditorAccount.name',
      'instructedAmount.amount',
      'instructedAmount.currency',
      'memo',
    ]);
    const keyless = await alice.client.call('POST', `${api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
    });
    expect(keyless.response.status).toBe(400);
    expect(body(keyless).errors).toEqual([
      { field: 'x-idempotency-key', messages: ['x-idempotency-key header is required'] },
    ]);
  });

  it('refuses payments to a token without scope payments (403 insufficient_scope)', async () => {
    const readOnly = await dpopSession('alice', 'openid accounts');
    expect((await readOnly.client.call('GET', `${api.url}/accounts`)).response.status).toBe(200);
    const refused = await readOnly.client.call('POST', `${api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expectRefused(refused, 403, 'insufficient_scope');
    expect(refused.response.headers['www-authenticate']).toContain('scope="payments"');
  });

  describe('attacks', () => {
    it('refuses a replayed request (same DPoP proof): 401 invalid_dpop_proof', async () => {
      const original = await alice.client.call('GET', `${api.url}/accounts`);
      expect(original.response.status).toBe(200);
      const replay = await alice.client.send(original.request);
      expectRefused(replay, 401, 'invalid_dpop_proof');
      expect(replay.response.headers['www-authenticate']).toMatch(
        /^DPoP error="invalid_dpop_proof"/,
      );
      expect(body(replay).error_description).toBe('DPoP proof was already used');
    });

    it('refuses the DPoP-bound token presented as Bearer: 401 invalid_token', async () => {
      const downgrade = await alice.client.send({
        method: 'GET',
        url: `${api.url}/accounts`,
        headers: { authorization: `Bearer ${alice.token.accessToken}` },
      });
      expectRefused(downgrade, 401, 'invalid_token');
      expect(downgrade.response.headers['www-authenticate']).toMatch(
        /^Bearer error="invalid_token"/,
      );
    });

    it('refuses a fresh proof made for another URL: 401 invalid_dpop_proof', async () => {
      const misdirected = await alice.client.callRedirected(
        'GET',
        `${api.url}/accounts`,
        `${api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}/balances`,
      );
      expectRefused(misdirected, 401, 'invalid_dpop_proof');
      expect(body(misdirected).error_description).toBe(
        'DPoP proof htu does not match the request URI',
      );
    });
  });
});

describe('mTLS client (mtls-client: self_signed_tls_client_auth, certificate-bound token)', () => {
  let alice: Session;
  beforeAll(async () => {
    alice = await mtlsSession('alice');
  }, 30_000);

  it('gets a token bound to the client certificate', () => {
    expect(alice.token.tokenType).toBe('Bearer');
    expect(alice.token.claims).toMatchObject({
      sub: 'alice',
      client_id: 'mtls-client',
      aud: api.url,
    });
    expect((alice.token.claims?.cnf as Record<string, string>)['x5t#S256']).toMatch(/^[\w-]{43}$/);
  });

  it('returns only the accounts alice shared with this client', async () => {
    const list = await alice.client.call('GET', `${api.url}/accounts`);
    expect(list.request.headers.authorization).toMatch(/^Bearer /);
    expect(list.request.headers.dpop).toBeUndefined();
    expect(ids(list)).toEqual([DEMO_ACCOUNTS.aliceCurrent, DEMO_ACCOUNTS.aliceSavings]);
    const travel = await alice.client.call(
      'GET',
      `${api.url}/accounts/${DEMO_ACCOUNTS.aliceTravel}`,
    );
    expect(travel.response.status).toBe(404);
  });

  it('pays once per x-idempotency-key', async () => {
    const key = randomUUID();
    const request = {
      body: payment(DEMO_ACCOUNTS.aliceCurrent, '12.34'),
      headers: { 'x-idempotency-key': key },
    };
    const created = await alice.client.call('POST', `${api.url}/domestic-payments`, request);
    const repeated = await alice.client.call('POST', `${api.url}/domestic-payments`, request);
    expect(created.response.status).toBe(201);
    expect(body(repeated).data.paymentId).toBe(body(created).data.paymentId);
    expect(repeated.response.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the token over a connection without a client certificate: 401 invalid_token', async () => {
    const stolen = await bareClient().send({
      method: 'GET',
      url: `${api.url}/accounts`,
      headers: { authorization: `Bearer ${alice.token.accessToken}` },
    });
    expectRefused(stolen, 401, 'invalid_token');
  });

  it('refuses the token with another client certificate: 401 invalid_token', async () => {
    const other = bareClient({ cert: fixtures.tls.cert, key: fixtures.tls.key });
    const stolen = await other.send({
      method: 'GET',
      url: `${api.url}/accounts`,
      headers: { authorization: `Bearer ${alice.token.accessToken}` },
    });
    expectRefused(stolen, 401, 'invalid_token');
  });
});

describe('HTTP surface', () => {
  it('answers a request without a token with a 401 challenge and no error code', async () => {
    const anonymous = await bareClient().send({
      method: 'GET',
      url: `${api.url}/accounts`,
      headers: {},
    });
    expect(anonymous.response.status).toBe(401);
    const challenge = anonymous.response.headers['www-authenticate']!;
    expect(challenge).toMatch(/^DPoP algs="PS256 ES256"/);
    expect(challenge).toContain('Bearer');
    expect(challenge).not.toContain('error=');
    expect(challenge).toContain(
      `resource_metadata="${api.url}/.well-known/oauth-protected-resource"`,
    );
  });

  it('refuses a token in the query string', async () => {
    const query = await bareClient().send({
      method: 'GET',
      url: `${api.url}/accounts?access_token=abc`,
      headers: {},
    });
    expect(query.response.status).toBe(401);
  });

  it('serves RFC 9728 protected resource metadata built by fapi-guard', async () => {
    const metadata = await bareClient().send({
      method: 'GET',
      url: `${api.url}/.well-known/oauth-protected-resource`,
      headers: {},
    });
    expect(metadata.response.status).toBe(200);
    expect(body(metadata)).toMatchObject({
      resource: api.url,
      authorization_servers: [as.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['accounts', 'payments'],
      tls_client_certificate_bound_access_tokens: true,
      dpop_signing_alg_values_supported: ['PS256', 'ES256'],
    });
  });

  it('publishes an OpenAPI 3.1 document with the DPoP and mTLS security schemes, and its UI', async () => {
    const client = bareClient();
    const document = await client.send({
      method: 'GET',
      url: `${api.url}/openapi.json`,
      headers: {},
    });
    const openapi = body(document);
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.components.securitySchemes).toMatchObject({
      DPoP: { type: 'http', scheme: 'DPoP' },
      mTLS: { type: 'mutualTLS' },
    });
    expect(openapi.paths['/accounts'].get.security).toEqual([
      { DPoP: ['accounts'] },
      { mTLS: ['accounts'] },
    ]);
    expect(openapi.paths['/domestic-payments'].post.security).toEqual([
      { DPoP: ['payments'] },
      { mTLS: ['payments'] },
    ]);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/accounts/{accountId}/balances',
        '/accounts/{accountId}/transactions',
        '/domestic-payments/{paymentId}',
      ]),
    );
    const ui = await client.send({ method: 'GET', url: `${api.url}/docs`, headers: {} });
    expect(ui.response.status).toBe(200);
    expect(ui.response.headers['content-type']).toMatch(/text\/html/);
  });

  it('sets x-fapi-interaction-id on every response: echoed when a UUID, new otherwise', async () => {
    const client = bareClient();
    const id = randomUUID();
    for (const path of [
      '/nowhere',
      '/accounts',
      '/.well-known/oauth-protected-resource',
      '/openapi.json',
    ]) {
      const echoed = await client.send({
        method: 'GET',
        url: `${api.url}${path}`,
        headers: { 'x-fapi-interaction-id': id },
      });
      expect(echoed.response.headers['x-fapi-interaction-id']).toBe(id);
      const minted = await client.send({
        method: 'GET',
        url: `${api.url}${path}`,
        headers: { 'x-fapi-interaction-id': 'not-a-uuid' },
      });
      expect(minted.response.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs one JSON audit line per authorization decision, without token material', async () => {
    const session = await dpopSession('bob');
    const id = randomUUID();
    const ok = await session.client.call('GET', `${api.url}/accounts`, {
      headers: { 'x-fapi-interaction-id': id },
    });
    const replay = await session.client.send(ok.request);
    expect(replay.response.headers['x-fapi-interaction-id']).toBe(id);
    const probe = await session.client.call(
      'GET',
      `${api.url}/accounts/${DEMO_ACCOUNTS.aliceSavings}`,
    );
    const probeId = probe.response.headers['x-fapi-interaction-id'];
    await new Promise((resolve) => setTimeout(resolve, 50));

    const lines = api.auditLines();
    // The replay resent the same x-fapi-interaction-id: one allow, then one deny.
    expect(lines.filter((l) => l.interactionId === id)).toEqual([
      expect.objectContaining({
        audit: 'authorization',
        outcome: 'allow',
        method: 'GET',
        path: '/accounts',
        subject: 'bob',
        clientId: 'dpop-client',
        binding: 'dpop',
      }),
      expect.objectContaining({
        audit: 'authorization',
        outcome: 'deny',
        status: 401,
        code: 'ERR_FAPI_DPOP_REPLAY',
        error: 'invalid_dpop_proof',
      }),
    ]);
    expect(lines.filter((l) => l.interactionId === probeId)).toEqual([
      expect.objectContaining({ audit: 'authorization', outcome: 'allow' }),
      expect.objectContaining({
        audit: 'resource',
        outcome: 'deny',
        resourceId: DEMO_ACCOUNTS.aliceSavings,
        reason: 'not_owner',
        subject: 'bob',
      }),
    ]);
    const raw = api.rawStdout();
    expect(raw).not.toContain(session.token.accessToken.split('.')[1]);
    expect(raw).not.toContain(ok.request.headers.dpop!.split('.')[2]);
    expect(raw).not.toMatch(/eyJ[\w-]{10,}/);
  });
});

describe('configuration: PAYMENTS_BINDING=dpop, RATE_LIMIT', () => {
  let dpopOnly: SpawnedApi;
  let limited: SpawnedApi;
  beforeAll(async () => {
    [dpopOnly, limited] = await Promise.all([
      spawnAccountsApi({ AS_ISSUER: as.issuer, PAYMENTS_BINDING: 'dpop' }),
      spawnAccountsApi({ AS_ISSUER: as.issuer, RATE_LIMIT: '3', RATE_LIMIT_WINDOW_S: '60' }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([dpopOnly?.stop(), limited?.stop()]);
  });

  it('makes payments DPoP-only (@DpopBound) while reads still accept mTLS', async () => {
    const mtls = await mtlsSession('alice', dpopOnly);
    expect((await mtls.client.call('GET', `${dpopOnly.url}/accounts`)).response.status).toBe(200);
    const refused = await mtls.client.call('POST', `${dpopOnly.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expectRefused(refused, 401, 'invalid_token');

    const dpop = await dpopSession('alice', 'openid accounts payments', dpopOnly);
    const paid = await dpop.client.call('POST', `${dpopOnly.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expect(paid.response.status).toBe(201);

    const document = await bareClient().send({
      method: 'GET',
      url: `${dpopOnly.url}/openapi.json`,
      headers: {},
    });
    expect(body(document).paths['/domestic-payments'].post.security).toEqual([
      { DPoP: ['payments'] },
    ]);
  });

  it('rate-limits with 429, still carrying x-fapi-interaction-id', async () => {
    const client = bareClient();
    const statuses: number[] = [];
    let last: Exchange | undefined;
    for (let i = 0; i < 4; i += 1) {
      last = await client.send({ method: 'GET', url: `${limited.url}/accounts`, headers: {} });
      statuses.push(last.response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(last!.response.headers['retry-after']).toMatch(/^\d+$/);
    expect(last!.response.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
