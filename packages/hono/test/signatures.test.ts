/**
 * Signed requests and responses on Hono, served over real HTTP by @hono/node-server:
 * `requireSignedRequest()` verifies the client's signature over the body bytes read with
 * `c.req.arrayBuffer()` (the handler's `c.req.json()`, `text()` and `parseBody()` still work),
 * `signedResponse()` rebuilds the answer from its bytes with the signature headers, and
 * rejections are never signed.
 */
import { FapiError } from '@fapi-guard/core';
import { createTestFixture, type TestFixture } from '@fapi-guard/testing';
import { Hono } from 'hono';
import {
  fapiGuard,
  requireScopes,
  requireSignedRequest,
  signedResponse,
  type FapiGuardOptions,
} from '../src/index.js';
import {
  send,
  signatureVerifier,
  signedRequest,
  verifiesAsAnswerTo,
} from '../../express/test/signing.js';
import { realServers } from './servers.js';

let f: TestFixture;
const { running, serve } = realServers();
beforeAll(async () => {
  f = await createTestFixture();
});

function guarded(responses = true, options: Partial<FapiGuardOptions> = {}): Hono {
  const app = new Hono();
  const guard = fapiGuard({
    ...f.options,
    httpSignatures: signatureVerifier(responses),
    ...options,
  });
  running.push(guard);
  app.use(guard);
  return app;
}

const PAYMENT = '{"amount":"10.00","currency":"EUR"}';

/** A payments route; `reached` counts the handler's runs. */
function paymentsApp(responses = true) {
  const app = guarded(responses);
  const reached: unknown[] = [];
  app.post(
    '/payments',
    requireScopes('payments').requireSignedRequest(),
    signedResponse(),
    async (c) => {
      const body: unknown = await c.req.json();
      reached.push(body);
      return c.json(
        { body, text: await c.req.text(), keyId: c.get('fapi')?.signature?.keyId },
        201,
      );
    },
  );
  return { app, reached };
}

describe('requireSignedRequest()', () => {
  test('accepts a signed POST; c.req.json() and c.req.text() still read the body', async () => {
    const { app } = paymentsApp();
    const url = await serve(app);
    const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ body: JSON.parse(PAYMENT), text: PAYMENT, keyId: 'k1' });
  });

  test('c.req.parseBody() still reads a signed form body', async () => {
    const app = guarded();
    app.post('/forms', requireSignedRequest(), async (c) => c.json(await c.req.parseBody()));
    const url = await serve(app);
    const call = await signedRequest(f, 'POST', `${url}/forms`, 'amount=10.00', {
      contentType: 'application/x-www-form-urlencoded',
    });
    const response = await send(call);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ amount: '10.00' });
  });

  test('refuses a body changed after signing: 401 ERR_FAPI_SIGNATURE_DIGEST, handler not run', async () => {
    const { app, reached } = paymentsApp();
    const url = await serve(app);
    const call = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
    const response = await send({ ...call, body: Buffer.from(PAYMENT.replace('10.00', '99.00')) });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_SIGNATURE_DIGEST').body());
    expect(reached).toEqual([]);
  });

  test('the exact bytes are checked after another helper decoded the JSON body', async () => {
    const app = guarded();
    app.post('/payments', requireScopes('payments'), requireSignedRequest(), async (c) =>
      c.json(await c.req.json()),
    );
    const url = await serve(app);
    // Same JSON value, other bytes: a re-serialized body would pass where the bytes do not.
    const signed = () => signedRequest(f, 'POST', `${url}/payments`, '{ "amount": "10.00" }');
    expect((await send(await signed())).status).toBe(200);
    const changed = await send({ ...(await signed()), body: Buffer.from('{"amount":"10.00"}   ') });
    expect(changed.status).toBe(401);
    expect(changed.json).toEqual(new FapiError('ERR_FAPI_SIGNATURE_DIGEST').body());
  });

  test("requireSignedRequest('optional'): unsigned passes, a bad signature is refused", async () => {
    const app = guarded();
    app.get('/optional', requireSignedRequest('optional'), (c) =>
      c.json({ signature: c.get('fapi')?.signature?.keyId ?? null }),
    );
    const url = await serve(app);
    const signed = () => signedRequest(f, 'GET', `${url}/optional`);
    const { signature: _s, 'signature-input': _i, ...unsigned } = (await signed()).headers;
    expect((await send({ ...(await signed()), headers: unsigned })).json).toEqual({
      signature: null,
    });
    expect((await send(await signed())).json).toEqual({ signature: 'k1' });
    const call = await signed();
    const forged = { ...call.headers, signature: call.headers.signature!.replace(/.:$/, 'A:') };
    expect((await send({ ...call, headers: forged })).status).toBe(401);
  });

  test('a body read from c.req.raw before the helper is a 500 ERR_FAPI_MISCONFIGURED, not a pass', async () => {
    const app = guarded();
    const reached: string[] = [];
    app.post(
      '/payments',
      async (c, next) => {
        await c.req.raw.text(); // around Hono's body cache
        await next();
      },
      requireSignedRequest(),
      (c) => {
        reached.push('handler');
        return c.json({});
      },
    );
    const url = await serve(app);
    const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
    expect(response.status).toBe(500);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_MISCONFIGURED').body());
    expect(reached).toEqual([]);
  });

  test('a bad mode is a TypeError when the route is declared', () => {
    expect(() => requireSignedRequest('always' as never)).toThrow(TypeError);
    expect(() => requireScopes('a').requireSignedRequest('always' as never)).toThrow(TypeError);
  });
});

describe('signedResponse()', () => {
  test('signs the answer over the exact bytes sent, bound to the signed request (RS-SIG-05)', async () => {
    const { app } = paymentsApp();
    const url = await serve(app);
    const call = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
    const response = await send(call);
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['signature-input']).toMatch(/"signature";req;key="sig1"/);
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
    const other = {
      ...response,
      bytes: Buffer.from(response.bytes.toString().replace('10', '11')),
    };
    await expect(verifiesAsAnswerTo(other, call)).resolves.toBe(false);
  });

  test('signs an empty 204 answer (no content-digest)', async () => {
    const app = guarded();
    app.delete('/consents/1', requireScopes('accounts'), signedResponse(), (c) =>
      c.body(null, 204),
    );
    const url = await serve(app);
    const call = await signedRequest(f, 'DELETE', `${url}/consents/1`);
    const response = await send(call);
    expect(response.status).toBe(204);
    expect(response.headers['content-digest']).toBeUndefined();
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
  });

  test('a rejection by the guard or by a helper after it is not signed', async () => {
    const app = guarded();
    app.post('/payments', signedResponse(), requireScopes('admin'), (c) => c.json({}));
    const url = await serve(app);
    const call = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
    const forbidden = await send(call);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.signature).toBeUndefined();
    const { authorization: _a, ...anonymous } = call.headers;
    const unauthorized = await send({ ...call, headers: anonymous });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.signature).toBeUndefined();
  });

  test('without a response key: 500 ERR_FAPI_MISCONFIGURED before the handler runs', async () => {
    const { app, reached } = paymentsApp(false);
    const url = await serve(app);
    const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
    expect(response.status).toBe(500);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_MISCONFIGURED').body());
    expect(reached).toEqual([]);
  });

  test('on a public path no one verified: 500, never an unsigned or oracle-signed answer', async () => {
    const app = guarded(true, { publicPaths: ['/open'] });
    app.get('/open', signedResponse(), (c) => c.json({ ok: true }, 200, { location: '/x' }));
    const url = await serve(app);
    const response = await send({ method: 'GET', url: `${url}/open`, headers: {} });
    expect(response.status).toBe(500);
    expect(response.headers.signature).toBeUndefined();
    expect(response.headers.location).toBeUndefined();
  });

  test('without fapiGuard() before it: 500 ERR_FAPI_GUARD_NOT_MOUNTED', async () => {
    const app = new Hono();
    app.get('/x', signedResponse(), (c) => c.json({}));
    const url = await serve(app);
    const response = await send({ method: 'GET', url: `${url}/x`, headers: {} });
    expect(response.status).toBe(500);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED').body());
  });
});
