/**
 * The guard's `cors` option: headers for listed origins only, on answers and rejections alike;
 * preflights from listed origins answered without a token; nothing else opened.
 */
import { createTestFixture, type TestFixture } from '@fapi-guard/testing';
import express5 from 'express';
import express4 from 'express4';
import type { Express } from 'express';
import request from 'supertest';
import { fapiGuard, requireScopes, type FapiGuardOptions } from '../src/index.js';

const PAGE = 'https://app.bank.test';
const EXPOSED = 'WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id';

let f: TestFixture;
beforeAll(async () => {
  f = await createTestFixture();
});

describe.each([
  ['express 5', express5],
  ['express 4', express4],
])('%s cors option', (_name, createApp) => {
  const guards: Array<{ close(): Promise<void> }> = [];
  afterAll(() => Promise.all(guards.map((guard) => guard.close())));
  const reached: string[] = [];

  function app(options: Partial<FapiGuardOptions> = {}): Express {
    const a = createApp();
    const guard = fapiGuard({
      ...f.options,
      publicUrl: 'https://api.bank.test',
      cors: { origins: [PAGE] },
      ...options,
    });
    guards.push(guard);
    a.use(guard);
    a.options('/accounts', (req, res) => {
      reached.push(req.method);
      res.status(200).json({ subject: req.fapi?.subject });
    });
    a.get('/accounts', requireScopes('accounts'), (req, res) => res.json({ ok: true }));
    return a;
  }

  test('a request from a listed origin carries the CORS headers exposing the challenge', async () => {
    const res = await request(app())
      .get('/accounts')
      .set({ ...(await f.dpopHeaders('https://api.bank.test/accounts')), origin: PAGE })
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-expose-headers']).toBe(EXPOSED);
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
  });

  test('the 401 the guard writes carries the CORS headers too', async () => {
    const res = await request(app()).get('/accounts').set({ origin: PAGE }).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP /);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-expose-headers']).toBe(EXPOSED);
  });

  test('an origin not listed gets no CORS headers', async () => {
    const res = await request(app())
      .get('/accounts')
      .set({
        ...(await f.dpopHeaders('https://api.bank.test/accounts')),
        origin: 'https://evil.test',
      })
      .expect(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  test('a preflight from a listed origin is answered 204 without a token and goes no further', async () => {
    reached.length = 0;
    const res = await request(app())
      .options('/accounts')
      .set({ origin: PAGE, 'access-control-request-method': 'POST' })
      .set('access-control-request-headers', 'authorization, dpop')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
    expect(res.headers['access-control-allow-headers']).toMatch(
      /^Authorization, DPoP, Content-Type, /,
    );
    expect(res.headers['access-control-allow-headers']).toMatch(/x-idempotency-key/);
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(reached).toEqual([]);
  });

  test('allowed methods and headers are configurable', async () => {
    const res = await request(
      app({ cors: { origins: [PAGE], methods: ['GET'], allowHeaders: ['Authorization', 'DPoP'] } }),
    )
      .options('/accounts')
      .set({ origin: PAGE, 'access-control-request-method': 'GET' })
      .expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET');
    expect(res.headers['access-control-allow-headers']).toBe('Authorization, DPoP');
  });

  test('a preflight from an origin not listed is verified like any request: 401, no CORS headers', async () => {
    const res = await request(app())
      .options('/accounts')
      .set({ origin: 'https://evil.test', 'access-control-request-method': 'POST' })
      .expect(401);
    expect(res.body.error).toBe('unauthorized');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  test('an OPTIONS request that is not a preflight still needs a token', async () => {
    const res = await request(app()).options('/accounts').set({ origin: PAGE }).expect(401);
    expect(res.headers['access-control-allow-origin']).toBe(PAGE);
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  test.each([
    [{ origins: ['*'] }, 'cors.origins'],
    [{ origins: ['https://app.bank.test/'] }, 'cors.origins'],
    [{ origins: [] }, 'cors.origins'],
    [{ origins: [PAGE], method: ['GET'] }, 'cors.method'],
    [{ origins: [PAGE], allowHeaders: ['bad header'] }, 'cors.allowHeaders'],
    [{ origins: [PAGE], maxAgeS: -1 }, 'cors.maxAgeS'],
    ['yes', 'cors'],
  ])('refuses the cors option %j with a TypeError naming %s', (cors, name) => {
    expect(() => fapiGuard({ ...f.options, cors } as unknown as FapiGuardOptions)).toThrow(
      new RegExp(`^${name.replace('.', '\\.')}`),
    );
    expect(() => fapiGuard({ ...f.options, cors } as unknown as FapiGuardOptions)).toThrow(
      TypeError,
    );
  });
});
