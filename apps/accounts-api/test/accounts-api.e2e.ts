/**
 * End to end, the two demo clients: the dev authorization server and the accounts API, both real
 * processes over HTTPS; tokens obtained with openid-client (PAR, PKCE, private_key_jwt + DPoP,
 * or self_signed_tls_client_auth with a real client certificate); resource calls with
 * oauth4webapi; attacks hand-built. The HTTP surface and the settings are in
 * `http-surface.e2e.ts`.
 */
import { randomUUID } from 'node:crypto';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import type { ApiClient } from '../src/walkthrough/api-client.js';
import { demoBank } from './support/demo-bank.js';
import {
  accountIds,
  ALICE_ACCOUNTS,
  BOB_ACCOUNTS,
  body,
  expectRefused,
  fixtures,
  payment,
  type Session,
} from './support/sessions.js';

const bank = demoBank();
const { bareClient, dpopSession, mtlsSession } = bank;

async function available(client: ApiClient, accountId: string): Promise<number> {
  const balances = await client.call('GET', `${bank.api.url}/accounts/${accountId}/balances`);
  const entry = (body(balances).data as Array<{ type: string; amount: { amount: string } }>).find(
    (b) => b.type === 'InterimAvailable',
  );
  return Math.round(Number(entry?.amount.amount) * 100);
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
      aud: bank.api.url,
      scope: 'accounts payments',
    });
  });

  it("returns alice's accounts, and only hers, with FAPI headers", async () => {
    const interactionId = randomUUID();
    const list = await alice.client.call('GET', `${bank.api.url}/accounts`, {
      headers: { 'x-fapi-interaction-id': interactionId },
    });
    expect(list.response.status).toBe(200);
    expect(accountIds(list)).toEqual(ALICE_ACCOUNTS);
    expect(body(list).data.every((a: { name: string }) => a.name === 'Alice Example')).toBe(true);
    expect(list.response.headers['x-fapi-interaction-id']).toBe(interactionId);
    expect(list.response.headers['cache-control']).toBe('no-store');
  });

  it("never shows alice's accounts, balances, transactions or payments to bob", async () => {
    expect(accountIds(await bob.client.call('GET', `${bank.api.url}/accounts`))).toEqual(
      BOB_ACCOUNTS,
    );
    for (const path of ['', '/balances', '/transactions']) {
      const probe = await bob.client.call(
        'GET',
        `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}${path}`,
      );
      expect(probe.response.status).toBe(404);
      expect(body(probe)).toEqual({ error: 'not_found', error_description: 'No such account' });
    }
    const steal = await bob.client.call('POST', `${bank.api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expect(steal.response.status).toBe(422);
    expect(body(steal).error).toBe('unknown_debtor_account');

    const paid = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent, '1.00'),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    const peek = await bob.client.call(
      'GET',
      `${bank.api.url}/domestic-payments/${body(paid).data.paymentId}`,
    );
    expect(peek.response.status).toBe(404);
  });

  it('returns real transactions within the date range, newest first, paged', async () => {
    const url = `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}/transactions`;
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
    const created = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, request);
    const repeated = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, request);
    expect(created.response.status).toBe(201);
    expect(repeated.response.status).toBe(201);
    expect(repeated.response.headers['idempotent-replayed']).toBe('true');
    expect(created.response.headers['idempotent-replayed']).toBeUndefined();
    expect(body(repeated)).toEqual(body(created));
    const { paymentId, status } = body(created).data;
    expect(status).toBe('AcceptedSettlementInProcess');
    expect(created.response.headers.location).toBe(
      `${bank.api.url}/domestic-payments/${paymentId}`,
    );
    expect(await available(alice.client, DEMO_ACCOUNTS.aliceSavings)).toBe(before - 2500);

    const recent = await alice.client.call(
      'GET',
      `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceSavings}/transactions?pageSize=5`,
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

    const status2 = await alice.client.call(
      'GET',
      `${bank.api.url}/domestic-payments/${paymentId}`,
    );
    expect(body(status2).data.paymentId).toBe(paymentId);

    const other = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceSavings, '30.00'),
      headers: { 'x-idempotency-key': key },
    });
    expect(other.response.status).toBe(422);
    expect(body(other).error).toBe('idempotency_key_reused');
    expect(await available(alice.client, DEMO_ACCOUNTS.aliceSavings)).toBe(before - 2500);
  });

  it('answers 400 with field errors for an invalid body or a missing idempotency key', async () => {
    const invalid = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, {
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
    const keyless = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
    });
    expect(keyless.response.status).toBe(400);
    expect(body(keyless).errors).toEqual([
      { field: 'x-idempotency-key', messages: ['x-idempotency-key header is required'] },
    ]);
  });

  it('refuses payments to a token without scope payments (403 insufficient_scope)', async () => {
    const readOnly = await dpopSession('alice', { scope: 'openid accounts' });
    expect((await readOnly.client.call('GET', `${bank.api.url}/accounts`)).response.status).toBe(
      200,
    );
    const refused = await readOnly.client.call('POST', `${bank.api.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expectRefused(refused, 403, 'insufficient_scope');
    expect(refused.response.headers['www-authenticate']).toContain('scope="payments"');
  });

  describe('attacks', () => {
    it('refuses a replayed request (same DPoP proof): 401 invalid_dpop_proof', async () => {
      const original = await alice.client.call('GET', `${bank.api.url}/accounts`);
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
        url: `${bank.api.url}/accounts`,
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
        `${bank.api.url}/accounts`,
        `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}/balances`,
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
      aud: bank.api.url,
    });
    expect((alice.token.claims?.cnf as Record<string, string>)['x5t#S256']).toMatch(/^[\w-]{43}$/);
  });

  it('returns only the accounts alice shared with this client', async () => {
    const list = await alice.client.call('GET', `${bank.api.url}/accounts`);
    expect(list.request.headers.authorization).toMatch(/^Bearer /);
    expect(list.request.headers.dpop).toBeUndefined();
    expect(accountIds(list)).toEqual([DEMO_ACCOUNTS.aliceCurrent, DEMO_ACCOUNTS.aliceSavings]);
    const travel = await alice.client.call(
      'GET',
      `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceTravel}`,
    );
    expect(travel.response.status).toBe(404);
  });

  it('pays once per x-idempotency-key', async () => {
    const key = randomUUID();
    const request = {
      body: payment(DEMO_ACCOUNTS.aliceCurrent, '12.34'),
      headers: { 'x-idempotency-key': key },
    };
    const created = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, request);
    const repeated = await alice.client.call('POST', `${bank.api.url}/domestic-payments`, request);
    expect(created.response.status).toBe(201);
    expect(body(repeated).data.paymentId).toBe(body(created).data.paymentId);
    expect(repeated.response.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the token over a connection without a client certificate: 401 invalid_token', async () => {
    const stolen = await bareClient().send({
      method: 'GET',
      url: `${bank.api.url}/accounts`,
      headers: { authorization: `Bearer ${alice.token.accessToken}` },
    });
    expectRefused(stolen, 401, 'invalid_token');
  });

  it('refuses the token with another client certificate: 401 invalid_token', async () => {
    const other = bareClient({ cert: fixtures.tls.cert, key: fixtures.tls.key });
    const stolen = await other.send({
      method: 'GET',
      url: `${bank.api.url}/accounts`,
      headers: { authorization: `Bearer ${alice.token.accessToken}` },
    });
    expectRefused(stolen, 401, 'invalid_token');
  });
});
