/**
 * Signed requests and responses on Fastify 5, over real HTTP: `config.fapi.signedRequest`
 * verifies the client's signature over the body bytes teed from the payload stream (Fastify's
 * own parsers still parse the body), `config.fapi.signedResponse` signs the serialized payload
 * in `onSend` (the bytes signed are the bytes sent), rejections are never signed, and a route
 * the server cannot sign for does not start.
 */
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FapiError } from '@fapi-guard/core';
import { createTestFixture, type TestFixture } from '@fapi-guard/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { fapiGuard, type FapiGuardOptions } from '../src/index.js';
import {
  send,
  signatureVerifier,
  signedRequest,
  verifiesAsAnswerTo,
} from '../../express/test/signing.js';

let f: TestFixture;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  f = await createTestFixture();
});
afterEach(() => Promise.all(apps.splice(0).map((app) => app.close())));

const guard = (responses = true, options: Partial<FapiGuardOptions> = {}) => ({
  ...f.options,
  httpSignatures: signatureVerifier(responses),
  ...options,
});

async function start(routes: (app: FastifyInstance) => void | Promise<void>): Promise<string> {
  const app = Fastify();
  apps.push(app);
  await routes(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const PAYMENT = '{"amount":"10.00","currency":"EUR"}';
const SIGNED_PAYMENTS = {
  config: { fapi: { scopes: ['payments'], signedRequest: 'required', signedResponse: true } },
} as const;

/** POST /payments (signed both ways) echoing the body Fastify parsed; `reached` counts runs. */
async function paymentsApp(responses = true) {
  const reached: unknown[] = [];
  const url = await start(async (app) => {
    await app.register(fapiGuard, guard(responses));
    app.post('/payments', SIGNED_PAYMENTS, (request, reply) => {
      reached.push(request.body);
      return reply
        .code(201)
        .send({ body: request.body, keyId: request.fapi?.signature?.keyId ?? null });
    });
  });
  return { url, reached };
}

describe('signedRequest in config.fapi', () => {
  test("accepts a signed POST; Fastify's JSON parser still gives request.body", async () => {
    const { url } = await paymentsApp();
    const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ body: JSON.parse(PAYMENT), keyId: 'k1' });
  });

  test('refuses a body changed after signing: 401 ERR_FAPI_SIGNATURE_DIGEST, handler not run', async () => {
    const { url, reached } = await paymentsApp();
    const call = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
    const response = await send({ ...call, body: Buffer.from(PAYMENT.replace('10.00', '99.00')) });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_SIGNATURE_DIGEST').body());
    expect(reached).toEqual([]);
  });

  test('the text parser and a custom parser still parse a signed body', async () => {
    const url = await start(async (app) => {
      app.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      await app.register(fapiGuard, guard());
      const config = { config: { fapi: { signedRequest: 'required' } } } as const;
      app.post('/text', config, (request) => ({ body: request.body }));
      app.post('/form', config, (request) => ({ body: request.body }));
    });
    const text = await signedRequest(f, 'POST', `${url}/text`, 'pay 10 EUR', {
      contentType: 'text/plain',
    });
    expect((await send(text)).json).toEqual({ body: 'pay 10 EUR' });
    const form = await signedRequest(f, 'POST', `${url}/form`, 'amount=10.00', {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect((await send(form)).json).toEqual({ body: { amount: '10.00' } });
  });

  test('a GET with a body (Fastify does not read it) has its digest checked all the same', async () => {
    const url = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/search', { config: { fapi: { signedRequest: 'required' } } }, () => ({ ok: true }));
    });
    const signed = () => signedRequest(f, 'GET', `${url}/search`, '{"q":"a"}');
    expect((await send(await signed())).status).toBe(200);
    const changed = await send({ ...(await signed()), body: Buffer.from('{"q":"b"}') });
    expect(changed.status).toBe(401);
    expect(changed.json).toEqual(new FapiError('ERR_FAPI_SIGNATURE_DIGEST').body());
  });

  test("a body beyond the route's bodyLimit is Fastify's 413, on any method", async () => {
    const url = await start(async (app) => {
      await app.register(fapiGuard, guard());
      const options = { bodyLimit: 8, config: { fapi: { signedRequest: 'required' } } } as const;
      app.post('/small', options, () => ({ ok: true }));
      app.get('/small', options, () => ({ ok: true }));
    });
    const post = await send(await signedRequest(f, 'POST', `${url}/small`, PAYMENT));
    expect(post.status).toBe(413);
    const get = await send(await signedRequest(f, 'GET', `${url}/small`, PAYMENT));
    expect(get.status).toBe(413);
    expect(get.json).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  });

  test('optional: an unsigned request passes, a signed one is verified', async () => {
    const url = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/optional', { config: { fapi: { signedRequest: 'optional' } } }, (request) => ({
        keyId: request.fapi?.signature?.keyId ?? null,
      }));
    });
    const call = await signedRequest(f, 'GET', `${url}/optional`);
    const { signature: _s, 'signature-input': _i, ...unsigned } = call.headers;
    const plain = await send({ ...call, headers: unsigned });
    expect(plain.json).toEqual({ keyId: null });
    expect(plain.headers.signature).toBeUndefined();
    expect((await send(await signedRequest(f, 'GET', `${url}/optional`))).json).toEqual({
      keyId: 'k1',
    });
  });
});

describe('signedResponse in config.fapi', () => {
  test('signs the serialized JSON over the exact bytes sent, bound to the request (RS-SIG-05)', async () => {
    const { url } = await paymentsApp();
    const call = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
    const response = await send(call);
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['signature-input']).toMatch(/"signature";req;key="sig1"/);
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
    const other = {
      ...response,
      bytes: Buffer.from(response.bytes.toString().replace('10', '11')),
    };
    await expect(verifiesAsAnswerTo(other, call)).resolves.toBe(false);
  });

  test.each([
    ['a string', () => 'paid: 10 €', 'text/plain; charset=utf-8'],
    ['a Buffer', () => Buffer.from([0, 1, 2, 255]), 'application/octet-stream'],
    ['a stream (read whole)', () => Readable.from([Buffer.from('part 1, '), 'part 2']), undefined],
    [
      'a Response',
      () => new Response('made', { status: 202, headers: { 'x-kind': 'r' } }),
      undefined,
    ],
  ])('signs %s payload as sent', async (_name, payload, contentType) => {
    const url = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/x', { config: { fapi: { signedResponse: true } } }, (_request, reply) =>
        reply.send(payload()),
      );
    });
    const call = await signedRequest(f, 'GET', `${url}/x`);
    const response = await send(call);
    expect(response.status).toBeLessThan(300);
    if (contentType) expect(response.headers['content-type']).toBe(contentType);
    expect(response.headers['content-digest']).toMatch(/^sha-256=:/);
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
  });

  test('a Response payload keeps its status and headers', async () => {
    const url = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/r', { config: { fapi: { signedResponse: true } } }, (_request, reply) =>
        reply.send(new Response('made', { status: 202, headers: { 'x-kind': 'r' } })),
      );
    });
    const call = await signedRequest(f, 'GET', `${url}/r`);
    const response = await send(call);
    expect(response.status).toBe(202);
    expect(response.headers['x-kind']).toBe('r');
    expect(response.bytes.toString()).toBe('made');
  });

  test('a body re-encoded by an onSend hook registered before the guard is signed as sent', async () => {
    const url = await start(async (app) => {
      // What a compression plugin does: an onSend hook of the root context, before the guard's.
      await app.register(
        fp(async (root) => {
          root.addHook('onSend', async (_request, reply, payload) => {
            reply.header('content-encoding', 'gzip');
            return gzipSync(Buffer.from(payload as string));
          });
        }),
      );
      await app.register(fapiGuard, guard());
      app.get('/statement', { config: { fapi: { signedResponse: true } } }, () => ({ n: 1 }));
    });
    const call = await signedRequest(f, 'GET', `${url}/statement`);
    const response = await send(call);
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(response.bytes).toString())).toEqual({ n: 1 });
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
  });

  test("an error the handler raises is the route's answer, and is signed", async () => {
    const url = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get('/fails', { config: { fapi: { signedResponse: true } } }, () => {
        throw Object.assign(new Error('ledger unavailable'), { statusCode: 503 });
      });
    });
    const call = await signedRequest(f, 'GET', `${url}/fails`);
    const response = await send(call);
    expect(response.status).toBe(503);
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
  });

  test('rejections (no token, missing scope) are not signed', async () => {
    const { url } = await paymentsApp();
    const call = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
    const { authorization: _a, ...anonymous } = call.headers;
    const unauthorized = await send({ ...call, headers: anonymous });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.signature).toBeUndefined();
    expect(unauthorized.headers['signature-input']).toBeUndefined();
    const scoped = await start(async (app) => {
      await app.register(fapiGuard, guard());
      app.get(
        '/admin',
        { config: { fapi: { scopes: ['admin'], signedResponse: true } } },
        () => ({}),
      );
    });
    const forbidden = await send(await signedRequest(f, 'GET', `${scoped}/admin`));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.signature).toBeUndefined();
  });
});

describe('set-up errors', () => {
  async function registerRoute(config: unknown, options: FapiGuardOptions): Promise<unknown> {
    const app = Fastify();
    apps.push(app);
    await app.register(fapiGuard, options);
    try {
      app.get('/accounts', { config: { fapi: config } } as never, () => 'reached');
      await app.ready();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  const servers = {
    full: () => guard(),
    'no response key': () => guard(false),
    'no httpSignatures': () => f.options,
  };
  test.each([
    [
      'signedResponse on a server without a response key',
      { signedResponse: true },
      'no response key',
      /route GET \/accounts: config\.fapi\.signedResponse needs httpSignatures\(\{ responseSigning \}\)/,
    ],
    [
      'signedRequest on a server without httpSignatures',
      { signedRequest: 'required' },
      'no httpSignatures',
      /route GET \/accounts: config\.fapi\.signedRequest needs the httpSignatures option/,
    ],
    [
      'a non-boolean signedResponse',
      { signedResponse: 'yes' },
      'full',
      /signedResponse must be a boolean/,
    ],
    ['a bad signedRequest mode', { signedRequest: 'always' }, 'full', /signedRequest/],
    [
      'public with signedResponse',
      { public: true, signedResponse: true },
      'full',
      /public cannot be combined with requirements \(signedResponse\)/,
    ],
  ] as const)('%s is a TypeError at registration', async (_name, config, server, message) => {
    const error = await registerRoute(config, servers[server]());
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });

  test('signedResponse on a route registered before the plugin loaded, without a key: 500 before the handler', async () => {
    const reached: string[] = [];
    const url = await start((app) => {
      void app.register(fapiGuard, guard(false));
      app.get('/early', { config: { fapi: { signedResponse: true } } }, () => {
        reached.push('early');
        return { reached: true };
      });
    });
    const response = await send(await signedRequest(f, 'GET', `${url}/early`));
    expect(response.status).toBe(500);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_MISCONFIGURED').body());
    expect(reached).toEqual([]);
  });
});
