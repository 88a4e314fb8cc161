/**
 * What the Express adapter adds to core: every request after the guard verified, public paths,
 * helpers adding requirements, rejections answered (or forwarded), request mapping.
 */
import { ERROR_CODES, FapiError, isFapiError } from '@fapi-guard/core';
import { parseWwwAuthenticate, sendRequest, startConformanceServer } from '@fapi-guard/testing';
import { jest } from '@jest/globals';
import express5 from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import express4 from 'express4';
import request from 'supertest';
import {
  dpopBound,
  fapiErrorHandler,
  fapiGuard,
  mtlsBound,
  requireAcr,
  requireAnyScope,
  requireAuthorizationDetails,
  requireClaims,
  requireScopes,
  type FapiGuardOptions,
} from '../src/index.js';
import { createTestFixture, type TestFixture } from '@fapi-guard/testing';

let f: TestFixture;
beforeAll(async () => {
  f = await createTestFixture();
});

describe.each([
  ['express 5', express5],
  ['express 4', express4],
])('%s', (name, createApp) => {
  const guards: Array<{ close(): Promise<void> }> = [];
  afterAll(() => Promise.all(guards.map((guard) => guard.close())));

  /** An app with the guard, then `routes`, then `GET /accounts` and `GET /unmarked`. */
  function app(
    options: Partial<FapiGuardOptions> = {},
    routes: (app: Express) => void = () => undefined,
  ): Express {
    const a = createApp();
    const guard = fapiGuard({ ...f.options, ...options });
    guards.push(guard);
    a.use(guard);
    routes(a);
    a.get('/accounts', requireScopes('accounts'), (req, res) => {
      res.json({ subject: req.fapi?.subject, interactionId: req.fapi?.interactionId });
    });
    a.get('/unmarked', (req, res) => res.json({ subject: req.fapi?.subject }));
    return a;
  }

  /** Sends `GET path` verbatim (no URL normalization) to `a` on a real server. */
  async function rawGet(a: Express, path: string, headers: Record<string, string> = {}) {
    const server = await startConformanceServer(a);
    try {
      return await sendRequest(server.url, { method: 'GET', path, headers });
    } finally {
      await server.close();
    }
  }

  describe('trust proxy', () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.bank.test' };

    test('uses X-Forwarded-Proto and -Host for htu when trust proxy is enabled', async () => {
      const a = app({}, (x) => x.set('trust proxy', 'loopback'));
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(a)
        .get('/accounts')
        .set({ ...headers, ...forwarded })
        .expect(200);
    });

    test('a forwarded port is kept on Express 5 and lost on Express 4 (req.hostname)', async () => {
      const a = app({}, (x) => x.set('trust proxy', 'loopback'));
      const headers = await f.dpopHeaders('https://api.bank.test:8443/accounts');
      await request(a)
        .get('/accounts')
        .set({ ...headers, ...forwarded, 'x-forwarded-host': 'api.bank.test:8443' })
        .expect(name === 'express 5' ? 200 : 401);
    });

    test('ignores X-Forwarded-* when trust proxy is off: htu is the URL the server saw', async () => {
      const a = app();
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      const response = await request(a)
        .get('/accounts')
        .set({ ...headers, ...forwarded });
      expect(response.status).toBe(401);
      expect(response.body.error_description).toBe('DPoP proof htu does not match the request URI');

      const server = await startConformanceServer(a);
      try {
        const own = await f.dpopHeaders(`${server.url}/accounts`);
        await request(server.url).get('/accounts').set(own).expect(200);
      } finally {
        await server.close();
      }
    });

    test('trustProxy: false overrides the app setting', async () => {
      const a = app({ trustProxy: false }, (x) => x.set('trust proxy', true));
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(a)
        .get('/accounts')
        .set({ ...headers, ...forwarded })
        .expect(401);
    });

    test('rebuilds htu from req.originalUrl under a mounted router', async () => {
      const a = createApp();
      const guard = fapiGuard({ ...f.options, publicUrl: 'https://api.bank.test' });
      guards.push(guard);
      const router = createApp.Router();
      router.get('/accounts', requireScopes('accounts'), (_req, res) => res.json({ ok: true }));
      a.use(guard);
      a.use('/v1', router);
      const headers = await f.dpopHeaders('https://api.bank.test/v1/accounts');
      await request(a).get('/v1/accounts').set(headers).expect(200);
    });
  });

  describe('the guard verifies every request after it', () => {
    test('refuses a route without any helper when the request has no token', async () => {
      const response = await request(app()).get('/unmarked').expect(401);
      const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
      expect(challenges.map((c) => c.scheme).sort()).toEqual(['Bearer', 'DPoP']);
      expect(challenges.every((c) => !('error' in c.params))).toBe(true);
      expect(response.body).toEqual({
        error: 'unauthorized',
        error_description: ERROR_CODES.ERR_FAPI_NO_CREDENTIALS.description,
      });
    });

    test('lets a valid request through to a route without any helper, with req.fapi set', async () => {
      const a = app({ publicUrl: 'https://api.bank.test' });
      const response = await request(a)
        .get('/unmarked')
        .set(await f.dpopHeaders('https://api.bank.test/unmarked'))
        .expect(200);
      expect(response.body).toEqual({ subject: 'user-1' });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    test('refuses a path no route matches before Express answers 404', async () => {
      await request(app()).get('/no-such-route').expect(401);
    });

    test('does not guard routes registered before it (framework order)', async () => {
      const a = createApp();
      a.get('/before', (_req, res) => res.json({ open: true }));
      const guard = fapiGuard(f.options);
      guards.push(guard);
      a.use(guard);
      a.get('/after', (_req, res) => res.json({ open: true }));
      await request(a).get('/before').expect(200, { open: true });
      await request(a).get('/after').expect(401);
    });

    test('puts the principal on req.fapi and copies its response headers', async () => {
      const a = app({ publicUrl: 'https://api.bank.test' });
      const response = await request(a)
        .get('/accounts')
        .set(await f.dpopHeaders('https://api.bank.test/accounts'))
        .expect(200);
      expect(response.body.subject).toBe('user-1');
      expect(response.headers['x-fapi-interaction-id']).toBe(response.body.interactionId);
      expect(response.headers['cache-control']).toBe('no-store');
    });
  });

  describe('publicPaths', () => {
    const open = (publicPaths: string[]) =>
      app({ publicPaths }, (x) => {
        x.get('/health', (_req, res) => res.json({ open: true }));
        x.use('/docs', (_req, res) => res.json({ open: true }));
      });

    test('an exact path is public, with or without a query', async () => {
      const a = open(['/health']);
      await request(a).get('/health').expect(200, { open: true });
      await request(a).get('/health?verbose=1').expect(200, { open: true });
    });

    test('a /.well-known path can be public (a dot starting a name is no dot segment)', async () => {
      const path = '/.well-known/oauth-protected-resource';
      const a = app({ publicPaths: [path] }, (x) => x.get(path, (_req, res) => res.json({})));
      await request(a).get(path).expect(200, {});
    });

    test('an exact path does not open what lies under it or its other spellings', async () => {
      const a = open(['/health']);
      await request(a).get('/health/x').expect(401);
      await request(a).get('/HEALTH').expect(401); // Express routes it, case-insensitively
      await request(a).get('/health/').expect(401);
    });

    test('a /* prefix opens the path itself and everything under it, nothing beside it', async () => {
      const a = open(['/docs/*']);
      await request(a).get('/docs').expect(200, { open: true });
      await request(a).get('/docs/guide/intro').expect(200, { open: true });
      await request(a).get('/docsx').expect(401);
      await request(a).get('/unmarked').expect(401);
    });

    test.each([
      '/docs/../unmarked',
      '/docs/./x',
      '/docs/%2e%2e/unmarked',
      '/docs/%2E/x',
      '/docs/a%2e',
      '/docs/a%2fb',
      '/docs/a%5Cb',
      '/docs/a\\b',
      '/%68ealth',
    ])('never treats %s as public', async (path) => {
      const response = await rawGet(open(['/docs/*', '/health']), path);
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ error: 'unauthorized' });
    });

    test('a helper on a public path still demands a token', async () => {
      const a = app({ publicPaths: ['/open/*'], publicUrl: 'https://api.bank.test' }, (x) => {
        x.get('/open/scoped', requireScopes('accounts'), (req, res) =>
          res.json({ subject: req.fapi?.subject }),
        );
      });
      const refused = await request(a).get('/open/scoped').expect(401);
      expect(refused.headers['www-authenticate']).toMatch(/DPoP algs=/);
      await request(a)
        .get('/open/scoped')
        .set(await f.dpopHeaders('https://api.bank.test/open/scoped'))
        .expect(200, { subject: 'user-1' });
    });
  });

  describe('route helpers add requirements', () => {
    test('matched authorization details stay on req.fapi through a later helper; the matcher sees req.params', async () => {
      const detail = { type: 'account_access', accounts: ['acc-1'] };
      const a = app({ publicUrl: 'https://api.bank.test' }, (x) => {
        x.get(
          '/accounts/:id',
          requireAuthorizationDetails({
            type: 'account_access',
            match: (d, r) => (d.accounts as string[]).includes(r.params.id as string),
          }),
          requireScopes('accounts').requireAcr(['urn:strong']),
          (req, res) => res.json({ details: req.fapi?.authorizationDetails, acr: req.fapi?.acr }),
        );
      });
      const mint = { claims: { authorization_details: [detail], acr: 'urn:strong' } };
      const ok = await request(a)
        .get('/accounts/acc-1')
        .set(await f.dpopHeaders('https://api.bank.test/accounts/acc-1', 'GET', mint))
        .expect(200);
      expect(ok.body).toEqual({ details: [detail], acr: 'urn:strong' });
      const other = await request(a)
        .get('/accounts/acc-2')
        .set(await f.dpopHeaders('https://api.bank.test/accounts/acc-2', 'GET', mint))
        .expect(403);
      expect(other.body.error).toBe('insufficient_authorization_details');
    });

    test('the authorization details matcher sees req.query', async () => {
      const a = app({ publicUrl: 'https://api.bank.test' }, (x) => {
        x.get(
          '/statements',
          requireAuthorizationDetails({
            type: 'account_access',
            match: (_d, r) => r.query.view === 'full',
          }),
          (_req, res) => res.json({ ok: true }),
        );
      });
      const mint = { claims: { authorization_details: [{ type: 'account_access' }] } };
      await request(a)
        .get('/statements?view=full')
        .set(await f.dpopHeaders('https://api.bank.test/statements', 'GET', mint))
        .expect(200, { ok: true });
      const refused = await request(a)
        .get('/statements')
        .set(await f.dpopHeaders('https://api.bank.test/statements', 'GET', mint))
        .expect(403);
      expect(refused.headers['www-authenticate']).toBe(
        'DPoP error="insufficient_authorization_details", error_description="The access token authorization details do not cover this request", algs="PS256 ES256 EdDSA", Bearer',
      );
      expect(refused.body.error).toBe('insufficient_authorization_details');
    });

    test('verifies once: scope and binding checked against the one principal', async () => {
      const a = app({ publicUrl: 'https://api.bank.test' }, (x) => {
        x.post('/payments', requireScopes('payments').dpopBound(), (req, res) => {
          res.status(201).json({ binding: req.fapi?.binding.kind });
        });
      });
      const headers = await f.dpopHeaders('https://api.bank.test/payments', 'POST');
      const response = await request(a).post('/payments').set(headers).expect(201);
      expect(response.body).toEqual({ binding: 'dpop' });
    });

    test('the guard and several helpers on one request verify the DPoP proof once (no replay)', async () => {
      const a = createApp();
      const guard = fapiGuard({ ...f.options, publicUrl: 'https://api.bank.test' });
      guards.push(guard);
      a.use(guard);
      a.use(requireScopes('accounts'));
      a.get(
        '/accounts',
        requireAnyScope('payments', 'admin'),
        dpopBound(),
        requireScopes('payments'),
        (_req, res) => res.json({ ok: true }),
      );
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(a).get('/accounts').set(headers).expect(200, { ok: true });
    });

    test('a later helper checks its own requirements on the verified principal', async () => {
      const a = createApp();
      const guard = fapiGuard({ ...f.options, publicUrl: 'https://api.bank.test' });
      guards.push(guard);
      a.use(guard);
      a.get('/mtls-too', requireScopes('accounts'), mtlsBound(), (_req, res) => res.json({}));
      a.get('/admin-too', requireScopes('accounts'), requireScopes('admin'), (_req, res) =>
        res.json({}),
      );
      const mtls = await request(a)
        .get('/mtls-too')
        .set(await f.dpopHeaders('https://api.bank.test/mtls-too'))
        .expect(401);
      expect(mtls.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
      expect(mtls.body).toEqual({
        error: 'invalid_token',
        error_description: ERROR_CODES.ERR_FAPI_BINDING_REQUIRED.description,
      });
      const admin = await request(a)
        .get('/admin-too')
        .set(await f.dpopHeaders('https://api.bank.test/admin-too'))
        .expect(403);
      expect(admin.headers['www-authenticate']).toMatch(
        /^DPoP error="insufficient_scope".*scope="admin"/,
      );
      expect(admin.headers['content-type']).toMatch(/^application\/json/);
    });

    test('a helper without fapiGuard() answers 500 server_error as JSON, never passing', async () => {
      const a = createApp();
      a.get('/accounts', requireScopes('accounts'), (_req, res) => res.json({ reached: true }));
      const response = await request(a)
        .get('/accounts')
        .set(await f.dpopHeaders('http://127.0.0.1/accounts'))
        .expect(500);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({
        error: 'server_error',
        error_description: ERROR_CODES.ERR_FAPI_GUARD_NOT_MOUNTED.description,
      });
    });
  });

  describe('rejections answer themselves', () => {
    test('JSON with challenge and headers, no stack trace, nothing logged (NODE_ENV unset)', async () => {
      const env = process.env['NODE_ENV'];
      delete process.env['NODE_ENV'];
      const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const written = jest.spyOn(process.stderr, 'write');
      try {
        const a = app();
        expect(a.get('env')).toBe('development');
        const malformed = await request(a).get('/accounts').set('authorization', 'Bearer a$b');
        expect(malformed.status).toBe(400);
        expect(malformed.headers['content-type']).toMatch(/^application\/json/);
        expect(malformed.body).toEqual({
          error: 'invalid_request',
          error_description: ERROR_CODES.ERR_FAPI_MALFORMED_AUTHORIZATION.description,
        });
        const challenges = parseWwwAuthenticate(malformed.headers['www-authenticate']);
        expect(challenges.find((c) => c.scheme === 'Bearer')?.params.error).toBe('invalid_request');
        expect(malformed.headers['cache-control']).toBe('no-store');
        expect(malformed.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
        const unauthorized = await request(a).get('/unmarked').expect(401);
        for (const text of [malformed.text, unauthorized.text]) {
          expect(text).not.toMatch(/<html|<pre|\bat\s|node_modules|\.[jt]s:\d+/i);
        }
        expect(logged).not.toHaveBeenCalled();
        expect(written).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
        written.mockRestore();
        if (env === undefined) delete process.env['NODE_ENV'];
        else process.env['NODE_ENV'] = env;
      }
    });

    test('forwardErrors: the FapiError goes to next(error) with status, headers and expose', async () => {
      const seen: unknown[] = [];
      const a = app({ forwardErrors: true, publicUrl: 'https://api.bank.test' });
      a.use(((error, _req, res, _next) => {
        seen.push(error);
        res.status(418).json({ mine: true });
      }) as ErrorRequestHandler);
      await request(a).get('/unmarked').expect(418, { mine: true });
      await request(a)
        .get('/accounts')
        .set(await f.dpopHeaders('https://api.bank.test/accounts', 'GET', 'payments'))
        .expect(418, { mine: true });
      expect(seen).toHaveLength(2);
      const [missing, helper] = seen as FapiError[];
      expect(missing).toBeInstanceOf(FapiError);
      expect(missing).toMatchObject({ status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', expose: true });
      expect(missing?.headers['www-authenticate']).toMatch(/^DPoP algs=/);
      expect(isFapiError(helper)).toBe(true);
    });

    test('forwardErrors with fapiErrorHandler renders JSON and passes other errors on', async () => {
      const others: unknown[] = [];
      const a = app({ forwardErrors: true, publicPaths: ['/boom'] }, (x) =>
        x.get('/boom', () => {
          throw new Error('not ours');
        }),
      );
      a.use(fapiErrorHandler());
      a.use(((error, _req, res, _next) => {
        others.push(error);
        res.status(500).json({ handled: 'by the user' });
      }) as ErrorRequestHandler);
      const rejected = await request(a).get('/accounts').expect(401);
      expect(rejected.headers['content-type']).toMatch(/^application\/json/);
      expect(rejected.body).toEqual({
        error: 'unauthorized',
        error_description: 'Authentication required',
      });
      await request(a).get('/boom').expect(500, { handled: 'by the user' });
      expect(isFapiError(others[0])).toBe(false);
      expect(String(others[0])).toContain('not ours');
    });
  });
});

describe('set-up errors are thrown when the middleware is built', () => {
  test.each([
    ['two bindings', () => dpopBound().mtlsBound()],
    ['two anyScope lists', () => requireAnyScope('a').requireAnyScope('b')],
    ['requireAnyScope without scopes', () => requireAnyScope()],
    ['a scope with a space', () => requireScopes('a b')],
    ['invalid core options', () => fapiGuard({ ...f.options, audience: [] })],
  ])('%s', (_name, build) => {
    expect(build).toThrow(TypeError);
  });

  test.each([
    ['publicPath', { publicPath: ['/health'] }],
    ['forwardError', { forwardError: true }],
    ['trustProxy', { trustProxy: 'yes' }],
    ['forwardErrors', { forwardErrors: 'true' }],
    ['publicPaths', { publicPaths: '/health' }],
    ['publicPaths', { publicPaths: ['health'] }],
    ['publicPaths', { publicPaths: ['/health?x=1'] }],
    ['publicPaths', { publicPaths: ['/a#b'] }],
    ['publicPaths', { publicPaths: ['/a b'] }],
    ['publicPaths', { publicPaths: ['/docs/**'] }],
    ['publicPaths', { publicPaths: ['/docs*'] }],
    ['publicPaths', { publicPaths: [42] }],
  ])('a TypeError naming %s for %j', (option, extra) => {
    expect(() => fapiGuard({ ...f.options, ...(extra as object) })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(option) }),
    );
  });

  test.each([
    ['requireAcr without values', () => requireAcr([]), /acrValues must be/],
    [
      'a misspelt requireAcr option',
      () => requireAcr(['a'], { maxage: 1 } as never),
      /unknown option "maxage"/,
    ],
    [
      'requireAuthorizationDetails without a type',
      () => requireAuthorizationDetails({} as never),
      /type must be/,
    ],
    [
      'requireAuthorizationDetails with nothing',
      () => requireAuthorizationDetails(),
      /name at least one/,
    ],
    [
      'requireClaims without a function',
      () => requireClaims('x' as never),
      /claims must be a function/,
    ],
    [
      'a chained requireAcr with a bad maxAge',
      () => requireScopes('a').requireAcr(['a'], { maxAge: -1 }),
      /maxAge must be/,
    ],
  ])('%s is a TypeError at set-up', (_name, make, message) => {
    expect(make).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });

  test('consent helpers chain like the others', () => {
    const claims = () => true;
    expect(
      requireAuthorizationDetails({ type: 'a' }, { type: 'b' })
        .requireAcr(['x'], { maxAge: 60 })
        .requireClaims(claims).requirements,
    ).toEqual({
      authorizationDetails: [{ type: 'a' }, { type: 'b' }],
      acrValues: ['x'],
      maxAge: 60,
      claims,
    });
  });

  test('chains merge their requirements', () => {
    expect(
      requireScopes('a').requireScopes('b', 'a').requireAnyScope('x', 'y').dpopBound().requirements,
    ).toEqual({ scopes: ['a', 'b'], anyScope: ['x', 'y'], binding: 'dpop' });
  });
});
