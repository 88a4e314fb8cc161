/**
 * What the Koa adapter adds to core: every request after the guard verified, public paths,
 * helpers adding requirements, rejections answered (or thrown), request mapping.
 */
import Router from '@koa/router';
import { ERROR_CODES, FapiError, isFapiError } from '@fapi-guard/core';
import { parseWwwAuthenticate, sendRequest, startConformanceServer } from '@fapi-guard/testing';
import { jest } from '@jest/globals';
import Koa3 from 'koa';
import type { Middleware } from 'koa';
import Koa2 from 'koa2';
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

const PUBLIC = { publicUrl: 'https://api.bank.test' };

describe.each([
  ['koa 3', Koa3],
  ['koa 2', Koa2],
])('%s', (_name, KoaClass) => {
  const guards: Array<{ close(): Promise<void> }> = [];
  afterAll(() => Promise.all(guards.map((guard) => guard.close())));

  /**
   * An app with `before` middleware, (when asked) fapiErrorHandler, the guard, `after`
   * middleware, `routes`, and `GET /unmarked` (no helper).
   */
  function app(
    options: Partial<FapiGuardOptions>,
    routes: (router: Router) => void,
    {
      errorHandler = false,
      before = [] as Middleware[],
      after = [] as Middleware[],
      proxy = false,
    } = {},
  ) {
    const koa = new KoaClass();
    koa.proxy = proxy;
    for (const middleware of before) koa.use(middleware);
    if (errorHandler) koa.use(fapiErrorHandler());
    const guard = fapiGuard({ ...f.options, ...options });
    guards.push(guard);
    koa.use(guard);
    for (const middleware of after) koa.use(middleware);
    const router = new Router();
    routes(router);
    router.get('/unmarked', (ctx) => {
      ctx.body = { subject: ctx.state.fapi?.subject };
    });
    koa.use(router.routes());
    return koa.callback();
  }

  const accounts = (router: Router) =>
    router.get('/accounts', requireScopes('accounts'), (ctx) => {
      ctx.body = { subject: ctx.state.fapi?.subject, interactionId: ctx.state.fapi?.interactionId };
    });

  /** Sends `GET path` verbatim (no URL normalization) to `callback` on a real server. */
  async function rawGet(callback: ReturnType<typeof app>, path: string) {
    const server = await startConformanceServer(callback);
    try {
      return await sendRequest(server.url, { method: 'GET', path, headers: {} });
    } finally {
      await server.close();
    }
  }

  describe('app.proxy', () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.bank.test' };

    test('uses X-Forwarded-Proto and -Host for htu when app.proxy is on', async () => {
      const callback = app({}, accounts, { proxy: true });
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(callback)
        .get('/accounts')
        .set({ ...headers, ...forwarded })
        .expect(200);
    });

    test('keeps a forwarded port when app.proxy is on', async () => {
      const callback = app({}, accounts, { proxy: true });
      const headers = await f.dpopHeaders('https://api.bank.test:8443/accounts');
      await request(callback)
        .get('/accounts')
        .set({ ...headers, ...forwarded, 'x-forwarded-host': 'api.bank.test:8443' })
        .expect(200);
    });

    test('ignores X-Forwarded-* when app.proxy is off: htu is the URL the server saw', async () => {
      const callback = app({}, accounts);
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      const response = await request(callback)
        .get('/accounts')
        .set({ ...headers, ...forwarded });
      expect(response.status).toBe(401);
      expect(response.body.error_description).toBe('DPoP proof htu does not match the request URI');

      const server = await startConformanceServer(callback);
      try {
        const own = await f.dpopHeaders(`${server.url}/accounts`);
        await request(server.url).get('/accounts').set(own).expect(200);
      } finally {
        await server.close();
      }
    });

    test('trustProxy: false overrides app.proxy', async () => {
      const callback = app({ trustProxy: false }, accounts, { proxy: true });
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(callback)
        .get('/accounts')
        .set({ ...headers, ...forwarded })
        .expect(401);
    });

    test('rebuilds htu from ctx.originalUrl when a mount rewrote ctx.path', async () => {
      // What koa-mount does: strip the mount prefix from ctx.path for the inner middleware.
      const mount: Middleware = async (ctx, next) => {
        if (ctx.path.startsWith('/v1/')) ctx.path = ctx.path.slice('/v1'.length);
        await next();
      };
      const callback = app(PUBLIC, accounts, { before: [mount] });
      const headers = await f.dpopHeaders('https://api.bank.test/v1/accounts');
      await request(callback).get('/v1/accounts').set(headers).expect(200);
    });
  });

  describe('the guard verifies every request after it', () => {
    test('refuses a route without any helper when the request has no token', async () => {
      const response = await request(app({}, accounts)).get('/unmarked').expect(401);
      const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
      expect(challenges.map((c) => c.scheme).sort()).toEqual(['Bearer', 'DPoP']);
      expect(challenges.every((c) => !('error' in c.params))).toBe(true);
      expect(response.body).toEqual({
        error: 'unauthorized',
        error_description: ERROR_CODES.ERR_FAPI_NO_CREDENTIALS.description,
      });
    });

    test('lets a valid request through to a route without any helper, with ctx.state.fapi', async () => {
      const response = await request(app(PUBLIC, accounts))
        .get('/unmarked')
        .set(await f.dpopHeaders('https://api.bank.test/unmarked'))
        .expect(200);
      expect(response.body).toEqual({ subject: 'user-1' });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    test('refuses a path no route matches before Koa answers 404', async () => {
      await request(app({}, accounts)).get('/no-such-route').expect(401);
    });

    test('does not guard middleware mounted before it (framework order)', async () => {
      const before: Middleware = async (ctx, next) => {
        if (ctx.path === '/before') ctx.body = { open: true };
        else await next();
      };
      const callback = app({}, accounts, { before: [before] });
      await request(callback).get('/before').expect(200, { open: true });
      await request(callback).get('/unmarked').expect(401);
    });

    test('puts the principal on ctx.state.fapi and sets its response headers', async () => {
      const callback = app(PUBLIC, accounts);
      const response = await request(callback)
        .get('/accounts')
        .set(await f.dpopHeaders('https://api.bank.test/accounts'))
        .expect(200);
      expect(response.body.subject).toBe('user-1');
      expect(response.headers['x-fapi-interaction-id']).toBe(response.body.interactionId);
      expect(response.headers['cache-control']).toBe('no-store');
    });
  });

  describe('publicPaths', () => {
    const openRoutes: Middleware = async (ctx, next) => {
      if (/^\/(?:health|docs)(?:\/|$)/i.test(ctx.path)) ctx.body = { open: true };
      else await next();
    };
    const open = (publicPaths: string[]) => app({ publicPaths }, accounts, { after: [openRoutes] });

    test('an exact path is public, with or without a query', async () => {
      const callback = open(['/health']);
      await request(callback).get('/health').expect(200, { open: true });
      await request(callback).get('/health?verbose=1').expect(200, { open: true });
    });

    test('a /.well-known path can be public (a dot starting a name is no dot segment)', async () => {
      const path = '/.well-known/oauth-protected-resource';
      const callback = app({ publicPaths: [path] }, (router) =>
        router.get(path, (ctx) => {
          ctx.body = {};
        }),
      );
      await request(callback).get(path).expect(200, {});
    });

    test('an exact path does not open what lies under it or its other spellings', async () => {
      const callback = open(['/health']);
      await request(callback).get('/health/x').expect(401);
      await request(callback).get('/HEALTH').expect(401);
      await request(callback).get('/health/').expect(401);
    });

    test('a /* prefix opens the path itself and everything under it, nothing beside it', async () => {
      const callback = open(['/docs/*']);
      await request(callback).get('/docs').expect(200, { open: true });
      await request(callback).get('/docs/guide/intro').expect(200, { open: true });
      await request(callback).get('/docsx').expect(401);
      await request(callback).get('/unmarked').expect(401);
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
      const callback = app({ ...PUBLIC, publicPaths: ['/open/*'] }, (router) =>
        router.get('/open/scoped', requireScopes('accounts'), (ctx) => {
          ctx.body = { subject: ctx.state.fapi?.subject };
        }),
      );
      const refused = await request(callback).get('/open/scoped').expect(401);
      expect(refused.headers['www-authenticate']).toMatch(/DPoP algs=/);
      await request(callback)
        .get('/open/scoped')
        .set(await f.dpopHeaders('https://api.bank.test/open/scoped'))
        .expect(200, { subject: 'user-1' });
    });
  });

  describe('route helpers add requirements', () => {
    test('matched authorization details stay on ctx.state.fapi through a later helper; the matcher sees ctx.params', async () => {
      const detail = { type: 'account_access', accounts: ['acc-1'] };
      const callback = app(PUBLIC, (router) =>
        router.get(
          '/accounts/:id',
          requireAuthorizationDetails({
            type: 'account_access',
            match: (d, r) => (d.accounts as string[]).includes(r.params.id as string),
          }),
          requireScopes('accounts').requireAcr(['urn:strong']),
          (ctx) => {
            ctx.body = { details: ctx.state.fapi?.authorizationDetails, acr: ctx.state.fapi?.acr };
          },
        ),
      );
      const mint = { claims: { authorization_details: [detail], acr: 'urn:strong' } };
      const ok = await request(callback)
        .get('/accounts/acc-1')
        .set(await f.dpopHeaders('https://api.bank.test/accounts/acc-1', 'GET', mint))
        .expect(200);
      expect(ok.body).toEqual({ details: [detail], acr: 'urn:strong' });
      const other = await request(callback)
        .get('/accounts/acc-2')
        .set(await f.dpopHeaders('https://api.bank.test/accounts/acc-2', 'GET', mint))
        .expect(403);
      expect(other.body.error).toBe('insufficient_authorization_details');
    });

    test('the authorization details matcher sees ctx.query', async () => {
      const callback = app(PUBLIC, (router) =>
        router.get(
          '/statements',
          requireAuthorizationDetails({
            type: 'account_access',
            match: (_d, r) => r.query.view === 'full',
          }),
          (ctx) => {
            ctx.body = { ok: true };
          },
        ),
      );
      const mint = { claims: { authorization_details: [{ type: 'account_access' }] } };
      await request(callback)
        .get('/statements?view=full')
        .set(await f.dpopHeaders('https://api.bank.test/statements', 'GET', mint))
        .expect(200, { ok: true });
      const refused = await request(callback)
        .get('/statements')
        .set(await f.dpopHeaders('https://api.bank.test/statements', 'GET', mint))
        .expect(403);
      expect(refused.headers['www-authenticate']).toBe(
        'DPoP error="insufficient_authorization_details", error_description="The access token authorization details do not cover this request", algs="PS256 ES256 EdDSA", Bearer',
      );
      expect(refused.body.error).toBe('insufficient_authorization_details');
    });

    test('verifies once: scope and binding checked against the one principal', async () => {
      const callback = app(PUBLIC, (router) =>
        router.post('/payments', requireScopes('payments').dpopBound(), (ctx) => {
          ctx.status = 201;
          ctx.body = { binding: ctx.state.fapi?.binding.kind };
        }),
      );
      const headers = await f.dpopHeaders('https://api.bank.test/payments', 'POST');
      await request(callback).post('/payments').set(headers).expect(201, { binding: 'dpop' });
    });

    test('the guard and several helpers on one request verify the DPoP proof once (no replay)', async () => {
      const callback = app(PUBLIC, (router) => {
        router.use(requireScopes('accounts'));
        router.get(
          '/accounts',
          requireAnyScope('payments', 'admin'),
          dpopBound(),
          requireScopes('payments'),
          (ctx) => {
            ctx.body = { ok: true };
          },
        );
      });
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(callback).get('/accounts').set(headers).expect(200, { ok: true });
    });

    test('a later helper checks its own requirements on the verified principal', async () => {
      const callback = app(PUBLIC, (router) => {
        router.get('/mtls-too', requireScopes('accounts'), mtlsBound(), (ctx) => {
          ctx.body = {};
        });
        router.get('/admin-too', requireScopes('accounts'), requireScopes('admin'), (ctx) => {
          ctx.body = {};
        });
      });
      const mtls = await request(callback)
        .get('/mtls-too')
        .set(await f.dpopHeaders('https://api.bank.test/mtls-too'))
        .expect(401);
      expect(mtls.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
      expect(mtls.body).toEqual({
        error: 'invalid_token',
        error_description: ERROR_CODES.ERR_FAPI_BINDING_REQUIRED.description,
      });
      const admin = await request(callback)
        .get('/admin-too')
        .set(await f.dpopHeaders('https://api.bank.test/admin-too'))
        .expect(403);
      expect(admin.headers['www-authenticate']).toMatch(
        /^DPoP error="insufficient_scope".*scope="admin"/,
      );
      expect(admin.headers['content-type']).toMatch(/^application\/json/);
    });

    test('a helper without fapiGuard() answers 500 server_error as JSON, never passing', async () => {
      const koa = new KoaClass();
      koa.use(requireScopes('accounts'));
      koa.use((ctx) => {
        ctx.body = { reached: true };
      });
      const response = await request(koa.callback())
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
        const callback = app({}, accounts);
        const malformed = await request(callback)
          .get('/accounts')
          .set('authorization', 'Bearer a$b');
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
        const unauthorized = await request(callback).get('/unmarked').expect(401);
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

    test('forwardErrors: the FapiError is thrown with status, headers and expose', async () => {
      const seen: unknown[] = [];
      const mine: Middleware = async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          seen.push(error);
          ctx.status = 418;
          ctx.body = { mine: true };
        }
      };
      const callback = app({ ...PUBLIC, forwardErrors: true }, accounts, { before: [mine] });
      await request(callback).get('/unmarked').expect(418, { mine: true });
      await request(callback)
        .get('/accounts')
        .set(await f.dpopHeaders('https://api.bank.test/accounts', 'GET', 'payments'))
        .expect(418, { mine: true });
      expect(seen).toHaveLength(2);
      const [missing, helper] = seen as FapiError[];
      expect(missing).toBeInstanceOf(FapiError);
      expect(missing).toMatchObject({ status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', expose: true });
      expect(missing?.headers['www-authenticate']).toMatch(/^DPoP algs=/);
      expect(helper).toMatchObject({ status: 403, code: 'ERR_FAPI_INSUFFICIENT_SCOPE' });
    });

    test("forwardErrors without a handler: Koa's own onerror renders status and challenge", async () => {
      const callback = app({ forwardErrors: true }, accounts);
      const response = await request(callback).get('/accounts').set('authorization', 'Bearer a$b');
      expect(response.status).toBe(400);
      const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
      expect(challenges.find((c) => c.scheme === 'Bearer')?.params.error).toBe('invalid_request');
      expect(response.text).toBe('Malformed Authorization header');
    });

    test('forwardErrors with fapiErrorHandler renders JSON and rethrows other errors', async () => {
      const others: unknown[] = [];
      const outer: Middleware = async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          others.push(error);
          ctx.status = 500;
          ctx.body = { handled: 'by the user' };
        }
      };
      const callback = app(
        { forwardErrors: true, publicPaths: ['/boom'] },
        (router) => {
          accounts(router);
          router.get('/boom', () => {
            throw new Error('not ours');
          });
        },
        { before: [outer], errorHandler: true },
      );
      const rejected = await request(callback).get('/accounts').expect(401);
      expect(rejected.headers['content-type']).toMatch(/^application\/json/);
      expect(rejected.body).toEqual({
        error: 'unauthorized',
        error_description: 'Authentication required',
      });
      await request(callback).get('/boom').expect(500, { handled: 'by the user' });
      expect(isFapiError(others[0])).toBe(false);
    });
  });
});

describe('middleware shape', () => {
  test('fapiGuard returns a named async function(ctx, next)', () => {
    const guard = fapiGuard(f.options);
    expect(guard.name).toBe('fapiGuard');
    expect(guard.length).toBe(2);
    expect(requireScopes('a').name).toBe('requireScopes');
    expect(requireAnyScope('a').name).toBe('requireAnyScope');
    expect(dpopBound().name).toBe('dpopBound');
    expect(mtlsBound().name).toBe('mtlsBound');
    expect(fapiErrorHandler().name).toBe('fapiErrorHandler');
    return guard.close();
  });

  test.each([
    ['two bindings', () => dpopBound().mtlsBound()],
    ['two anyScope lists', () => requireAnyScope('a').requireAnyScope('b')],
    ['requireAnyScope without scopes', () => requireAnyScope()],
    ['a scope with a space', () => requireScopes('a b')],
    ['invalid core options', () => fapiGuard({ ...f.options, audience: [] })],
  ])('throws a TypeError when built with %s', (_name, build) => {
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
});
