/**
 * What the Fastify plugin adds to core: every route of its context guarded, route config
 * checked at registration, public routes, encapsulation, trust proxy, and the verifier released
 * on close. The protocol itself is the conformance suite's.
 */
import { FapiError } from '@fapi-guard/core';
import { createTestFixture, sendRequest, type TestFixture } from '@fapi-guard/testing';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { fapiGuard, type FapiGuardOptions } from '../src/index.js';

let f: TestFixture;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  f = await createTestFixture();
});
afterEach(() => Promise.all(apps.splice(0).map((app) => app.close())));

/** A Fastify app listening on 127.0.0.1; `routes` runs after the guard is registered. */
async function start(
  routes: (app: FastifyInstance) => void | Promise<void>,
  server: FastifyServerOptions = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify(server);
  apps.push(app);
  await routes(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

const guard = (options: Partial<FapiGuardOptions> = {}) => ({ ...f.options, ...options });

async function get(url: string, path: string, headers: Record<string, string> = {}) {
  return sendRequest(url, { method: 'GET', path, headers });
}

describe('guarding', () => {
  test('guards a route with no config.fapi: 401 without a token, 200 with one', async () => {
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/unmarked', (request) => ({ subject: request.fapi?.subject }));
    });
    const refused = await get(url, '/unmarked');
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual(new FapiError('ERR_FAPI_NO_CREDENTIALS').body());
    expect(refused.headers['www-authenticate']).toMatch(/^DPoP algs="[^"]+", Bearer$/);
    const ok = await get(url, '/unmarked', await f.dpopHeaders(`${url}/unmarked`));
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ subject: expect.any(String) });
    expect(ok.headers['cache-control']).toBe('no-store');
  });

  test('guards routes registered before the plugin loaded, and unknown paths', async () => {
    const { url } = await start((app) => {
      void app.register(fapiGuard, guard()); // not awaited: the route below comes first
      app.get('/early', () => ({ reached: true }));
    });
    expect((await get(url, '/early')).status).toBe(401);
    expect((await get(url, '/no-such-route')).status).toBe(401);
  });

  test('checks config.fapi requirements: 403 insufficient_scope naming the scope', async () => {
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/admin', { config: { fapi: { scopes: ['admin'] } } }, () => ({ reached: true }));
    });
    const response = await get(url, '/admin', await f.dpopHeaders(`${url}/admin`));
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(response.headers['www-authenticate']).toMatch(/scope="admin"/);
  });

  test('passes core requirement objects through: binding mtls refuses a DPoP token', async () => {
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/mtls', { config: { fapi: { binding: 'mtls' } } }, () => ({ reached: true }));
    });
    const response = await get(url, '/mtls', await f.dpopHeaders(`${url}/mtls`));
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: 'invalid_token' });
  });

  test('lets a route marked config.fapi.public through without a token; request.fapi is null', async () => {
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/health', { config: { fapi: { public: true } } }, (request) => ({
        fapi: request.fapi,
      }));
    });
    const response = await get(url, '/health');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ fapi: null });
  });

  test('config.fapi.public: false guards the route', async () => {
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/x', { config: { fapi: { public: false } } }, () => ({ reached: true }));
    });
    expect((await get(url, '/x')).status).toBe(401);
  });
});

describe('route config checked at registration', () => {
  async function registerRoute(config: unknown): Promise<unknown> {
    const app = Fastify();
    apps.push(app);
    await app.register(fapiGuard, guard());
    try {
      app.get('/accounts', { config: { fapi: config } } as never, () => 'reached');
      await app.ready();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  test.each([
    [
      'an unknown requirement',
      { scope: ['accounts'] },
      /route GET \/accounts: .*unknown requirement "scope"/,
    ],
    [
      'a bad binding',
      { binding: 'bearer' },
      /route GET \/accounts: .*binding must be 'dpop' or 'mtls'/,
    ],
    ['a non-object', 'accounts', /route GET \/accounts: config\.fapi must be an object/],
    [
      'public with requirements',
      { public: true, scopes: ['a'] },
      /cannot be combined with requirements \(scopes\)/,
    ],
    ['a non-boolean public', { public: 'yes' }, /config\.fapi\.public must be a boolean/],
  ])('a route with %s is a startup TypeError naming it', async (_name, config, message) => {
    const error = await registerRoute(config);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });

  test('a typo on a route registered before the plugin loaded answers 500, never runs', async () => {
    const { url } = await start((app) => {
      void app.register(fapiGuard, guard());
      app.get('/early', { config: { fapi: { scope: ['accounts'] } } } as never, () => 'reached');
    });
    const response = await get(url, '/early', await f.dpopHeaders(`${url}/early`));
    expect(response.status).toBe(500);
    expect(response.json).toEqual({
      error: 'server_error',
      error_description: new FapiError('ERR_FAPI_MISCONFIGURED').body().error_description,
    });
    expect(response.text).not.toMatch(/reached/);
  });

  test('an unknown option or a bad trustProxy is a TypeError at registration', async () => {
    const typo = Fastify();
    await expect(
      typo.register(fapiGuard, { ...f.options, jwks_uri: 'x' } as never).ready(),
    ).rejects.toThrow(TypeError);
    const proxy = Fastify();
    await expect(
      proxy.register(fapiGuard, { ...f.options, trustProxy: 'yes' } as never).ready(),
    ).rejects.toThrow(/trustProxy: must be a boolean/);
  });

  test('registering the guard twice in one context is refused', async () => {
    const app = Fastify();
    await app.register(fapiGuard, guard());
    await expect(app.register(fapiGuard, guard()).ready()).rejects.toThrow(/fapiResourceServer/);
    await app.close();
  });
});

describe('encapsulation', () => {
  test('registered in a child context, it guards that context and its children only', async () => {
    const { url } = await start(async (app) => {
      app.get('/open', () => ({ open: true }));
      await app.register(
        async (api) => {
          await api.register(fapiGuard, guard());
          api.get('/accounts', () => ({ guarded: true }));
          await api.register(async (nested) => {
            nested.get('/nested', () => ({ guarded: true }));
          });
        },
        { prefix: '/api' },
      );
    });
    expect((await get(url, '/open')).status).toBe(200);
    expect((await get(url, '/api/accounts')).status).toBe(401);
    expect((await get(url, '/api/nested')).status).toBe(401);
    const ok = await get(url, '/api/accounts', await f.dpopHeaders(`${url}/api/accounts`));
    expect(ok.status).toBe(200);
  });
});

describe('trust proxy', () => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.bank.test' };
  const routes = async (app: FastifyInstance, options: Partial<FapiGuardOptions> = {}) => {
    await app.register(fapiGuard, guard(options));
    app.get('/accounts', () => ({ ok: true }));
  };

  test('uses X-Forwarded-Proto and -Host for htu with trustProxy: true', async () => {
    const { url } = await start((app) => routes(app, { trustProxy: true }), { trustProxy: true });
    const headers = await f.dpopHeaders('https://api.bank.test/accounts');
    expect((await get(url, '/accounts', { ...headers, ...forwarded })).status).toBe(200);
  });

  test('ignores X-Forwarded-* by default, even when the server trusts the proxy', async () => {
    const { url } = await start((app) => routes(app), { trustProxy: true });
    const headers = await f.dpopHeaders('https://api.bank.test/accounts');
    const response = await get(url, '/accounts', { ...headers, ...forwarded });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: 'invalid_dpop_proof' });
  });
});

describe('onClose', () => {
  test('closing the app releases the verifier (its replay memory is dropped)', async () => {
    const app = Fastify();
    await app.register(fapiGuard, guard());
    app.get('/accounts', () => ({ ok: true }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const headers = await f.dpopHeaders(`${url}/accounts`);
    expect((await get(url, '/accounts', headers)).status).toBe(200);
    expect((await get(url, '/accounts', headers)).status).toBe(401); // replayed proof
    const resourceServer = app.fapiResourceServer;
    await app.close();
    const replay = { method: 'GET', url: `${url}/accounts`, headers };
    await expect(resourceServer.verify(replay)).resolves.toMatchObject({
      scopes: expect.any(Array),
    });
  });
});

describe('consent requirements in config.fapi', () => {
  const ACCOUNT = { type: 'account_access', accounts: ['acc-1'] };
  const PAYMENT = {
    type: 'payment_initiation',
    instructedAmount: { amount: '5', currency: 'EUR' },
  };
  const mint = { claims: { authorization_details: [PAYMENT, ACCOUNT] } };

  test('a matcher sees the route params, the parsed query and the parsed JSON body', async () => {
    const seen: unknown[] = [];
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.post(
        '/accounts/:accountId/transfers',
        {
          config: {
            fapi: {
              authorizationDetails: {
                type: 'account_access',
                match: (detail, request) => {
                  seen.push(request);
                  return (detail.accounts as string[]).includes(request.params.accountId as string);
                },
              },
            },
          },
        },
        (_request, reply) => reply.code(201).send({ created: true }),
      );
    });
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

  test('request.fapi carries the matched authorizationDetails; an uncovered request is 403', async () => {
    const { url } = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get(
        '/accounts/:accountId',
        {
          config: {
            fapi: {
              authorizationDetails: {
                type: 'account_access',
                match: (detail, request) =>
                  (detail.accounts as string[]).includes(request.params.accountId as string),
              },
            },
          },
        },
        (request) => ({ details: request.fapi?.authorizationDetails }),
      );
    });
    const ok = await get(
      url,
      '/accounts/acc-1',
      await f.dpopHeaders(`${url}/accounts/acc-1`, 'GET', mint),
    );
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ details: [ACCOUNT] });
    const other = await get(
      url,
      '/accounts/acc-2',
      await f.dpopHeaders(`${url}/accounts/acc-2`, 'GET', mint),
    );
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ error: 'insufficient_authorization_details' });
    expect(other.headers['www-authenticate']).toMatch(/error="insufficient_authorization_details"/);
  });
});
