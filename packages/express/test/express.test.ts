/** What the Express adapter adds to core: request mapping, helper chains, error rendering. */
import { FapiError, isFapiError } from '@fapi-guard/core';
import { parseWwwAuthenticate, startConformanceServer } from '@fapi-guard/testing';
import express5 from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import express4 from 'express4';
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

describe.each([
  ['express 5', express5],
  ['express 4', express4],
])('%s', (name, createApp) => {
  const guards: Array<{ close(): Promise<void> }> = [];
  afterAll(() => Promise.all(guards.map((guard) => guard.close())));

  function app(
    options: Partial<FapiGuardOptions> = {},
    setup: (app: Express) => void = () => undefined,
  ): Express {
    const a = createApp();
    setup(a);
    const guard = fapiGuard({ ...f.options, ...options });
    guards.push(guard);
    a.use(guard);
    a.get('/accounts', requireScopes('accounts'), (req, res) => {
      res.json({ subject: req.fapi?.subject, interactionId: req.fapi?.interactionId });
    });
    a.use(fapiErrorHandler());
    return a;
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
      a.use(fapiErrorHandler());
      const headers = await f.dpopHeaders('https://api.bank.test/v1/accounts');
      await request(a).get('/v1/accounts').set(headers).expect(200);
    });
  });

  describe('principal and response headers', () => {
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

    test('verifies once per chain: scope and binding in one verification', async () => {
      const a = createApp();
      const guard = fapiGuard({ ...f.options, publicUrl: 'https://api.bank.test' });
      guards.push(guard);
      a.use(guard);
      a.post('/payments', requireScopes('payments').dpopBound(), (req, res) => {
        res.status(201).json({ binding: req.fapi?.binding.kind });
      });
      a.use(fapiErrorHandler());
      const headers = await f.dpopHeaders('https://api.bank.test/payments', 'POST');
      const response = await request(a).post('/payments').set(headers).expect(201);
      expect(response.body).toEqual({ binding: 'dpop' });
    });

    test('a later helper whose requirements were covered passes without verifying again', async () => {
      const a = createApp();
      const guard = fapiGuard({ ...f.options, publicUrl: 'https://api.bank.test' });
      guards.push(guard);
      a.use(guard);
      a.use(requireScopes('accounts', 'payments').dpopBound());
      a.get('/accounts', requireScopes('accounts'), dpopBound(), (_req, res) => res.json({}));
      a.use(fapiErrorHandler());
      const headers = await f.dpopHeaders('https://api.bank.test/accounts');
      await request(a).get('/accounts').set(headers).expect(200);
    });

    test('a later helper checks its own requirements on the verified principal, never verifying again', async () => {
      const a = createApp();
      const guard = fapiGuard({ ...f.options, publicUrl: 'https://api.bank.test' });
      guards.push(guard);
      a.use(guard);
      a.get('/mtls-too', requireScopes('accounts'), mtlsBound(), (_req, res) => res.json({}));
      a.get('/admin-too', requireScopes('accounts'), requireScopes('admin'), (_req, res) =>
        res.json({}),
      );
      a.get('/payments-too', requireScopes('accounts'), requireScopes('payments'), (_req, res) =>
        res.json({}),
      );
      a.use(fapiErrorHandler());
      const mtls = await request(a)
        .get('/mtls-too')
        .set(await f.dpopHeaders('https://api.bank.test/mtls-too'))
        .expect(401);
      expect(mtls.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
      expect(mtls.body).toEqual({
        error: 'invalid_token',
        error_description: 'This resource requires a differently bound access token',
      });
      const admin = await request(a)
        .get('/admin-too')
        .set(await f.dpopHeaders('https://api.bank.test/admin-too'))
        .expect(403);
      expect(admin.headers['www-authenticate']).toMatch(
        /^DPoP error="insufficient_scope".*scope="admin"/,
      );
      await request(a)
        .get('/payments-too')
        .set(await f.dpopHeaders('https://api.bank.test/payments-too'))
        .expect(200);
    });

    test('a route helper without fapiGuard() is a set-up error (500)', async () => {
      const a = createApp();
      const errors: unknown[] = [];
      a.get('/accounts', requireScopes('accounts'), (_req, res) => res.json({}));
      a.use(((error, _req, res, _next) => {
        errors.push(error);
        res.status(500).end();
      }) as ErrorRequestHandler);
      await request(a).get('/accounts').expect(500);
      expect(String(errors[0])).toContain('must come before this route');
    });
  });

  describe('errors', () => {
    test('a user error handler receives the FapiError with status, headers and expose', async () => {
      const seen: unknown[] = [];
      const a = createApp();
      const guard = fapiGuard(f.options);
      guards.push(guard);
      a.use(guard);
      a.get('/accounts', requireScopes('accounts'), (_req, res) => res.json({}));
      a.use(((error, _req, res, _next) => {
        seen.push(error);
        res.status(418).json({ mine: true });
      }) as ErrorRequestHandler);
      await request(a).get('/accounts').expect(418, { mine: true });
      expect(seen[0]).toBeInstanceOf(FapiError);
      const error = seen[0] as FapiError;
      expect(error).toMatchObject({ status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', expose: true });
      expect(error.headers['www-authenticate']).toMatch(/^DPoP algs=/);
    });

    test("Express's default handler renders the FapiError's status and challenge", async () => {
      const a = createApp();
      const guard = fapiGuard(f.options);
      guards.push(guard);
      a.use(guard);
      a.get('/accounts', requireScopes('accounts'), (_req, res) => res.json({}));
      const response = await request(a).get('/accounts').set('authorization', 'Bearer a$b');
      expect(response.status).toBe(400);
      const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
      expect(challenges.find((c) => c.scheme === 'Bearer')?.params.error).toBe('invalid_request');
      expect(response.headers['cache-control']).toBe('no-store');
    });

    test('fapiErrorHandler renders JSON for a FapiError and passes other errors on', async () => {
      const others: unknown[] = [];
      const a = app({}, (x) =>
        x.get('/boom', () => {
          throw new Error('not ours');
        }),
      );
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
    ['a bad trustProxy', () => fapiGuard({ ...f.options, trustProxy: 'yes' as never })],
    ['invalid core options', () => fapiGuard({ ...f.options, audience: [] })],
  ])('%s', (_name, build) => {
    expect(build).toThrow(TypeError);
  });

  test('chains merge their requirements', () => {
    expect(
      requireScopes('a').requireScopes('b', 'a').requireAnyScope('x', 'y').dpopBound().requirements,
    ).toEqual({ scopes: ['a', 'b'], anyScope: ['x', 'y'], binding: 'dpop' });
  });
});
