/**
 * End to end, the accounts API's HTTP surface as a real process over HTTPS next to the dev
 * authorization server: the 401 challenge, RFC 9728 metadata, the OpenAPI document,
 * `x-fapi-interaction-id` on every answer, the audit trail without token material; and the
 * settings `PAYMENTS_BINDING=dpop` and `RATE_LIMIT`, each on an API process of its own.
 */
import { randomUUID } from 'node:crypto';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import type { Exchange } from '../src/walkthrough/api-client.js';
import { demoBank } from './support/demo-bank.js';
import { body, expectRefused, payment, settledAuditLines } from './support/sessions.js';

const bank = demoBank({
  dpopOnly: { PAYMENTS_BINDING: 'dpop' },
  limited: { RATE_LIMIT: '3', RATE_LIMIT_WINDOW_S: '60' },
});
const { bareClient, dpopSession, mtlsSession } = bank;

describe('HTTP surface', () => {
  it('answers a request without a token with a 401 challenge and no error code', async () => {
    const anonymous = await bareClient().send({
      method: 'GET',
      url: `${bank.api.url}/accounts`,
      headers: {},
    });
    expect(anonymous.response.status).toBe(401);
    const challenge = anonymous.response.headers['www-authenticate']!;
    expect(challenge).toMatch(/^DPoP algs="PS256 ES256"/);
    expect(challenge).toContain('Bearer');
    expect(challenge).not.toContain('error=');
    expect(challenge).toContain(
      `resource_metadata="${bank.api.url}/.well-known/oauth-protected-resource"`,
    );
  });

  it('refuses a token in the query string', async () => {
    const query = await bareClient().send({
      method: 'GET',
      url: `${bank.api.url}/accounts?access_token=abc`,
      headers: {},
    });
    expect(query.response.status).toBe(401);
  });

  it('serves RFC 9728 protected resource metadata built by fapi-guard', async () => {
    const metadata = await bareClient().send({
      method: 'GET',
      url: `${bank.api.url}/.well-known/oauth-protected-resource`,
      headers: {},
    });
    expect(metadata.response.status).toBe(200);
    expect(body(metadata)).toMatchObject({
      resource: bank.api.url,
      authorization_servers: [bank.as.issuer],
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
      url: `${bank.api.url}/openapi.json`,
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
    const ui = await client.send({ method: 'GET', url: `${bank.api.url}/docs`, headers: {} });
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
        url: `${bank.api.url}${path}`,
        headers: { 'x-fapi-interaction-id': id },
      });
      expect(echoed.response.headers['x-fapi-interaction-id']).toBe(id);
      const minted = await client.send({
        method: 'GET',
        url: `${bank.api.url}${path}`,
        headers: { 'x-fapi-interaction-id': 'not-a-uuid' },
      });
      expect(minted.response.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs one JSON audit line per authorization decision, without token material', async () => {
    const session = await dpopSession('bob');
    const id = randomUUID();
    const ok = await session.client.call('GET', `${bank.api.url}/accounts`, {
      headers: { 'x-fapi-interaction-id': id },
    });
    const replay = await session.client.send(ok.request);
    expect(replay.response.headers['x-fapi-interaction-id']).toBe(id);
    const probe = await session.client.call(
      'GET',
      `${bank.api.url}/accounts/${DEMO_ACCOUNTS.aliceSavings}`,
    );
    const probeId = probe.response.headers['x-fapi-interaction-id'];

    const lines = await settledAuditLines(bank.api);
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
    const raw = bank.api.rawStdout();
    expect(raw).not.toContain(session.token.accessToken.split('.')[1]);
    expect(raw).not.toContain(ok.request.headers.dpop!.split('.')[2]);
    expect(raw).not.toMatch(/eyJ[\w-]{10,}/);
  });
});

describe('configuration: PAYMENTS_BINDING=dpop, RATE_LIMIT', () => {
  it('makes payments DPoP-only (@DpopBound) while reads still accept mTLS', async () => {
    const { dpopOnly } = bank.others;
    const mtls = await mtlsSession('alice', { target: dpopOnly });
    expect((await mtls.client.call('GET', `${dpopOnly.url}/accounts`)).response.status).toBe(200);
    const refused = await mtls.client.call('POST', `${dpopOnly.url}/domestic-payments`, {
      body: payment(DEMO_ACCOUNTS.aliceCurrent),
      headers: { 'x-idempotency-key': randomUUID() },
    });
    expectRefused(refused, 401, 'invalid_token');

    const dpop = await dpopSession('alice', { target: dpopOnly });
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
    const { limited } = bank.others;
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
