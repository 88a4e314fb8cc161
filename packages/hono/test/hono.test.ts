/**
 * What the Hono middleware adds to core, served over real HTTP by @hono/node-server: every
 * request after the guard verified, public paths, helpers adding requirements, the principal
 * in `c.get('fapi')`, and the 500 of a helper without the guard.
 */
import { FapiError } from '@fapi-guard/core';
import { createTestFixture, sendRequest, type TestFixture } from '@fapi-guard/testing';
import { Hono } from 'hono';
import {
  dpopBound,
  fapiGuard,
  requireAcr,
  requireAuthorizationDetails,
  requireClaims,
  requireFapi,
  requireScopes,
  type FapiGuardOptions,
} from '../src/index.js';
import { realServers } from './servers.js';

let f: TestFixture;
const { running, serve } = realServers();
beforeAll(async () => {
  f = await createTestFixture();
});

function guarded(options: Partial<FapiGuardOptions> = {}): Hono {
  const app = new Hono();
  const guard = fapiGuard({ ...f.options, ...options });
  running.push(guard);
  app.use(guard);
  return app;
}

const get = (url: string, path: string, headers: Record<string, string> = {}) =>
  sendRequest(url, { method: 'GET', path, headers });

test('guards a route with no helper; the principal is in c.get("fapi")', async () => {
  const app = guarded();
  app.get('/me', (c) => c.json({ subject: c.get('fapi')?.subject }));
  const url = await serve(app);
  expect((await get(url, '/me')).status).toBe(401);
  const ok = await get(url, '/me', await f.dpopHeaders(`${url}/me`));
  expect(ok.status).toBe(200);
  expect(ok.json).toEqual({ subject: expect.any(String) });
  expect(ok.headers['cache-control']).toBe('no-store');
});

test('a public path passes without a token; another spelling of it does not', async () => {
  const app = guarded({ publicPaths: ['/health'] });
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/Health', (c) => c.json({ ok: 'other route' }));
  const url = await serve(app);
  expect((await get(url, '/health')).status).toBe(200);
  expect((await get(url, '/Health')).status).toBe(401);
});

test('a helper on a public path still demands a token', async () => {
  const app = guarded({ publicPaths: ['/docs/*'] });
  app.get('/docs/private', requireScopes(), (c) => c.json({ reached: true }));
  const url = await serve(app);
  expect((await get(url, '/docs/private')).status).toBe(401);
  const ok = await get(url, '/docs/private', await f.dpopHeaders(`${url}/docs/private`));
  expect(ok.status).toBe(200);
});

test('helpers chain and compose without verifying twice', async () => {
  const app = guarded();
  app.get('/pay', requireScopes('payments').dpopBound(), requireScopes('accounts'), (c) =>
    c.json({ scopes: c.get('fapi')?.scopes }),
  );
  app.get('/admin', requireScopes('accounts'), requireScopes('admin'), (c) => c.json({}));
  const url = await serve(app);
  const ok = await get(url, '/pay', await f.dpopHeaders(`${url}/pay`));
  expect(ok.status).toBe(200); // a second verification would see the proof replayed
  const refused = await get(url, '/admin', await f.dpopHeaders(`${url}/admin`));
  expect(refused.status).toBe(403);
  expect(refused.headers['www-authenticate']).toMatch(/scope="admin"/);
});

test('requireFapi passes a core requirement object through; a typo is a TypeError', async () => {
  const app = guarded();
  app.get('/mtls', requireFapi({ binding: 'mtls' }), (c) => c.json({}));
  const url = await serve(app);
  const response = await get(url, '/mtls', await f.dpopHeaders(`${url}/mtls`));
  expect(response.status).toBe(401);
  expect(response.json).toMatchObject({ error: 'invalid_token' });
  expect(() => requireFapi({ scope: ['a'] } as never)).toThrow(/unknown requirement "scope"/);
  expect(() => requireFapi({ binding: 'bearer' } as never)).toThrow(TypeError);
});

test('a helper without fapiGuard() before it answers 500 ERR_FAPI_GUARD_NOT_MOUNTED', async () => {
  const app = new Hono();
  app.get('/accounts', dpopBound(), (c) => c.json({ reached: true }));
  const url = await serve(app);
  const response = await get(url, '/accounts', await f.dpopHeaders(`${url}/accounts`));
  expect(response.status).toBe(500);
  expect(response.json).toEqual(new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED').body());
});

test('options are checked when the guard is created', () => {
  expect(() => fapiGuard({ ...f.options, peerAddress: '10.0.0.1' } as never)).toThrow(
    /peerAddress: must be a function/,
  );
  expect(() => fapiGuard({ ...f.options, publicPaths: ['health'] })).toThrow(/publicPaths/);
  expect(() => fapiGuard({ ...f.options, jwks_uri: 'x' } as never)).toThrow(TypeError);
});

describe('consent helpers', () => {
  const ACCOUNT = { type: 'account_access', accounts: ['acc-1'] };
  const PAYMENT = {
    type: 'payment_initiation',
    instructedAmount: { amount: '5', currency: 'EUR' },
  };
  const mint = { claims: { authorization_details: [PAYMENT, ACCOUNT], acr: 'urn:strong' } };

  test('a matcher sees c.req.param(), the query and the JSON body; the handler still reads it', async () => {
    const seen: unknown[] = [];
    const app = guarded();
    app.post(
      '/accounts/:accountId/transfers',
      requireAuthorizationDetails({
        type: 'account_access',
        match: (detail, request) => {
          seen.push(request);
          return (detail.accounts as string[]).includes(request.params.accountId as string);
        },
      }),
      async (c) => c.json({ body: await c.req.json() }, 201),
    );
    const url = await serve(app);
    const path = '/accounts/acc-1/transfers';
    const response = await sendRequest(url, {
      method: 'POST',
      path: `${path}?currency=EUR`,
      headers: {
        ...(await f.dpopHeaders(`${url}${path}`, 'POST', mint)),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ amount: '5' }),
    });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ body: { amount: '5' } });
    expect(seen).toEqual([
      {
        method: 'POST',
        path,
        params: { accountId: 'acc-1' },
        query: { currency: 'EUR' },
        body: { amount: '5' },
      },
    ]);
  });

  test('c.get("fapi") carries the matched authorizationDetails through a later helper', async () => {
    const app = guarded();
    app.get(
      '/accounts/:accountId',
      requireAuthorizationDetails({
        type: 'account_access',
        match: (detail, request) =>
          (detail.accounts as string[]).includes(request.params.accountId as string),
      }),
      requireScopes('accounts').requireAcr(['urn:strong']),
      (c) => c.json({ details: c.get('fapi')?.authorizationDetails, acr: c.get('fapi')?.acr }),
    );
    const url = await serve(app);
    const ok = await get(
      url,
      '/accounts/acc-1',
      await f.dpopHeaders(`${url}/accounts/acc-1`, 'GET', mint),
    );
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ details: [ACCOUNT], acr: 'urn:strong' });
    const other = await get(
      url,
      '/accounts/acc-2',
      await f.dpopHeaders(`${url}/accounts/acc-2`, 'GET', mint),
    );
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ error: 'insufficient_authorization_details' });
  });

  test('requireAcr asks for a step-up; requireClaims refuses a false predicate', async () => {
    const app = guarded();
    app.get('/strong', requireAcr(['urn:stronger'], { maxAge: 300 }), (c) => c.json({}));
    app.get(
      '/business',
      requireClaims((claims) => claims.customer_type === 'business'),
      (c) => c.json({ reached: true }),
    );
    const url = await serve(app);
    const strong = await get(url, '/strong', await f.dpopHeaders(`${url}/strong`, 'GET', mint));
    expect(strong.status).toBe(401);
    expect(strong.headers['www-authenticate']).toMatch(/error="insufficient_user_authentication"/);
    expect(strong.headers['www-authenticate']).toMatch(/acr_values="urn:stronger"/);
    expect(strong.headers['www-authenticate']).toMatch(/max_age="300"/);
    const personal = await get(url, '/business', await f.dpopHeaders(`${url}/business`));
    expect(personal.status).toBe(403);
    expect(personal.json).toMatchObject({ error: 'insufficient_scope' });
    const business = await get(
      url,
      '/business',
      await f.dpopHeaders(`${url}/business`, 'GET', { claims: { customer_type: 'business' } }),
    );
    expect(business.status).toBe(200);
  });

  test('a typo in a consent helper is a TypeError naming it', () => {
    expect(() => requireAcr(['urn:strong'], { max_age: 300 } as never)).toThrow(
      /requireAcr: unknown option "max_age"/,
    );
    expect(() => requireAuthorizationDetails()).toThrow(/requireAuthorizationDetails/);
    expect(() => requireClaims('yes' as never)).toThrow(/requireClaims/);
  });
});
