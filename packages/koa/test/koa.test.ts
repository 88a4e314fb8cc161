/** What the Koa adapter adds to core: request mapping, helper chains, error rendering. */
import Router from '@koa/router';
import { FapiError, isFapiError } from '@fapi-guard/core';
import { parseWwwAuthenticate, startConformanceServer } from '@fapi-guard/testing';
import Koa3 from 'koa';
import type { Middleware } from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import {
  dpopBound,
  fapiErrorHandler,
  fapiGuard,
  mtlsBound,
  requireAnyScope,
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

  /** An app with `before` middleware, the guard, `routes`, and (unless false) fapiErrorHandler. */
  function app(
    options: Partial<FapiGuardOptions>,
    routes: (router: Router) => void,
    { errorHandler = true, before = [] as Middleware[], proxy = false } = {},
  ) {
    const koa = new KoaClass();
    koa.silent = true;
    koa.proxy = proxy;
    for (const middleware of before) koa.use(middleware);
    if (errorHandler) koa.use(fapiErrorHandler());
    const guard = fapiGuard({ ...f.options, ...options });
    guards.push(guard);
    koa.use(guard);
    const router = new Router();
    routes(router);
    koa.use(router.routes());
    return koa.callback();
  }

  const accounts = (router: Router) =>
    router.get('/accounts', requireScopes('accounts'), (ctx) => {
      ctx.body = { subject: ctx.state.fapi?.subject, interactionId: ctx.state.fapi?.interactionId };
    });

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

  describe('principal and response headers', () => {
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

    test('verifies once per chain: scope and binding in one verification', async () => {
      const callback = app(PUBLIC, (router) =>
        router.post('/payments', requireScopes('payments').dpopBound(), (ctx) => {
          ctx.status = 201;
          ctx.body = { binding: ctx.state.fapi?.binding.kind };
        }),
      );
      const headers = await f.dpopHeaders('https://api.bank.test/payments', 'POST');
      await request(callback).post('/payments').set(headers).expect(201, { binding: 'dpop' });
    });

    test('a later helper whose requirements were covered passes without verifying again', async () => {
      const callback = app(PUBLIC, (router) => {
        router.use(requireScopes('accounts', 'payments').dpopBound());
        router.get('/accounts', requireScopes('accounts'), dpopBound(), (ctx) => {
          ctx.body = {};
        });
      });
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(callback).get('/accounts').set(headers).expect(200);
    });

    test('a later helper checks its own requirements on the verified principal, never verifying again', async () => {
      const callback = app(PUBLIC, (router) => {
        router.get('/mtls-too', requireScopes('accounts'), mtlsBound(), (ctx) => {
          ctx.body = {};
        });
        router.get('/admin-too', requireScopes('accounts'), requireScopes('admin'), (ctx) => {
          ctx.body = {};
        });
        router.get('/payments-too', requireScopes('accounts'), requireScopes('payments'), (ctx) => {
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
        error_description: 'This resource requires a differently bound access token',
      });
      const admin = await request(callback)
        .get('/admin-too')
        .set(await f.dpopHeaders('https://api.bank.test/admin-too'))
        .expect(403);
      expect(admin.headers['www-authenticate']).toMatch(
        /^DPoP error="insufficient_scope".*scope="admin"/,
      );
      await request(callback)
        .get('/payments-too')
        .set(await f.dpopHeaders('https://api.bank.test/payments-too'))
        .expect(200);
    });

    test('a helper without fapiGuard() is a set-up error (500)', async () => {
      const koa = new KoaClass();
      koa.silent = true;
      koa.use(requireScopes('accounts'));
      await request(koa.callback()).get('/accounts').expect(500);
    });
  });

  describe('errors', () => {
    test('a user error middleware catches the FapiError with status, headers and expose', async () => {
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
      const callback = app({}, accounts, { errorHandler: false, before: [mine] });
      await request(callback).get('/accounts').expect(418, { mine: true });
      expect(seen[0]).toBeInstanceOf(FapiError);
      expect(seen[0]).toMatchObject({ status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', expose: true });
    });

    test("Koa's own onerror renders the FapiError's status and challenge", async () => {
      const callback = app({}, accounts, { errorHandler: false });
      const response = await request(callback).get('/accounts').set('authorization', 'Bearer a$b');
      expect(response.status).toBe(400);
      const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
      expect(challenges.find((c) => c.scheme === 'Bearer')?.params.error).toBe('invalid_request');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.text).toBe('Malformed Authorization header');
    });

    test('fapiErrorHandler renders JSON for a FapiError and rethrows other errors', async () => {
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
        {},
        (router) => {
          accounts(router);
          router.get('/boom', () => {
            throw new Error('not ours');
          });
        },
        { before: [outer] },
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
    ['a bad trustProxy', () => fapiGuard({ ...f.options, trustProxy: 'yes' as never })],
    ['invalid core options', () => fapiGuard({ ...f.options, audience: [] })],
  ])('throws a TypeError when built with %s', (_name, build) => {
    expect(build).toThrow(TypeError);
  });
});
