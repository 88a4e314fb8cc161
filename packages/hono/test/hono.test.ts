/**
 * What the Hono middleware adds to core, served over real HTTP by @hono/node-server: every
 * request after the guard verified, public paths, helpers adding requirements, the principal
 * in `c.get('fapi')`, and the 500 of a helper without the guard.
 */
import { FapiError } from '@fapi-guard/core';
import {
  createTestFixture,
  sendRequest,
  startConformanceServer,
  type ConformanceApp,
  type TestFixture,
} from '@fapi-guard/testing';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import {
  dpopBound,
  fapiGuard,
  requireFapi,
  requireScopes,
  type FapiGuardOptions,
} from '../src/index.js';

let f: TestFixture;
const running: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  f = await createTestFixture();
});
afterEach(() => Promise.all(running.splice(0).map((x) => x.close())));

/** Serves `app` (after `routes`) on a real server. */
async function serve(app: Hono): Promise<string> {
  const server: ConformanceApp = await startConformanceServer(getRequestListener(app.fetch));
  running.push(server);
  return server.url;
}

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
