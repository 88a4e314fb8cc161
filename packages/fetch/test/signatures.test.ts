/**
 * Signed requests and responses on the fetch guard, over a real HTTP server: a `signedRequest`
 * requirement verifies the client's signature over the body bytes read from a clone (the
 * handler still reads the body), `{ signedResponse: true }` promises a signed answer that
 * `guard.signResponse` makes over the exact bytes sent, and rejections are never signed.
 */
import { FapiError, isFapiError, type Requirements } from '@fapi-guard/core';
import {
  createTestFixture,
  startConformanceServer,
  type ConformanceApp,
  type TestFixture,
} from '@fapi-guard/testing';
import { getRequestListener } from '@hono/node-server';
import {
  createFetchGuard,
  fapiErrorResponse,
  withFapiHeaders,
  type FetchGuard,
  type GuardCallOptions,
} from '../src/index.js';
import {
  send,
  signatureVerifier,
  signedRequest,
  UNREGISTERED_KEY,
  verifiesAsAnswerTo,
} from '../../express/test/signing.js';

let f: TestFixture;
const running: Array<{ app: ConformanceApp; guard: FetchGuard }> = [];
beforeAll(async () => {
  f = await createTestFixture();
});
afterEach(async () => {
  for (const { app, guard } of running.splice(0)) {
    await app.close();
    await guard.close();
  }
});

const ROUTES: Record<string, [Requirements, GuardCallOptions, number]> = {
  'POST /signed/payments': [
    { scopes: ['payments'], signedRequest: 'required' },
    { signedResponse: true },
    201,
  ],
  'GET /signed/accounts': [
    { scopes: ['accounts'], signedRequest: 'required' },
    { signedResponse: true },
    200,
  ],
  'GET /signed/optional': [{ signedRequest: 'optional' }, {}, 200],
  'GET /unsigned/answer': [{ scopes: ['accounts'] }, { signedResponse: true }, 200],
};

/** Serves ROUTES; each handler reads the JSON body itself and answers what it saw. */
async function serve(responses = true): Promise<{ url: string; reached: string[] }> {
  const guard = createFetchGuard({ ...f.options, httpSignatures: signatureVerifier(responses) });
  const reached: string[] = [];
  const handler = async (request: Request): Promise<Response> => {
    const route = `${request.method} ${new URL(request.url).pathname}`;
    const [requirements, call, status] = ROUTES[route] ?? [{}, {}, 404];
    try {
      const principal = await guard(request, requirements, call);
      reached.push(route);
      const body: unknown = request.body ? await request.json() : null;
      const answer = withFapiHeaders(
        Response.json({ body, signature: principal.signature?.keyId ?? null }, { status }),
        principal,
      );
      return call.signedResponse ? await guard.signResponse(request, answer) : answer;
    } catch (error) {
      if (isFapiError(error)) return fapiErrorResponse(error);
      return new Response(String(error), { status: 500 });
    }
  };
  const app = await startConformanceServer(getRequestListener(handler));
  running.push({ app, guard });
  return { url: app.url, reached };
}

const PAYMENT = '{"amount":"10.00","currency":"EUR"}';

describe('signed requests', () => {
  test('accepts a signed POST; the handler still parses the JSON body itself', async () => {
    const { url } = await serve();
    const call = await signedRequest(f, 'POST', `${url}/signed/payments`, PAYMENT);
    const response = await send(call);
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ body: JSON.parse(PAYMENT), signature: 'k1' });
  });

  test('refuses a body changed after signing: 401 ERR_FAPI_SIGNATURE_DIGEST, handler not run', async () => {
    const { url, reached } = await serve();
    const call = await signedRequest(f, 'POST', `${url}/signed/payments`, PAYMENT);
    const response = await send({ ...call, body: Buffer.from(PAYMENT.replace('10.00', '99.00')) });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_SIGNATURE_DIGEST').body());
    expect(reached).toEqual([]);
  });

  test('refuses an unsigned request and a signature by an unregistered key', async () => {
    const { url } = await serve();
    const call = await signedRequest(f, 'GET', `${url}/signed/accounts`);
    const { signature: _s, 'signature-input': _i, ...unsigned } = call.headers;
    const missing = await send({ ...call, headers: unsigned });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual(new FapiError('ERR_FAPI_SIGNATURE_MISSING').body());
    const other = await signedRequest(f, 'GET', `${url}/signed/accounts`, undefined, {
      key: UNREGISTERED_KEY,
    });
    expect((await send(other)).status).toBe(401);
  });

  test('optional: an unsigned request passes, a signed one is verified', async () => {
    const { url } = await serve();
    const call = await signedRequest(f, 'GET', `${url}/signed/optional`);
    const { signature: _s, 'signature-input': _i, ...unsigned } = call.headers;
    const plain = await send({ ...call, headers: unsigned });
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({ body: null, signature: null });
    expect(plain.headers.signature).toBeUndefined();
    const signed = await send(await signedRequest(f, 'GET', `${url}/signed/optional`));
    expect(signed.json).toEqual({ body: null, signature: 'k1' });
  });

  test('a body the handler read before the guard is a 500 ERR_FAPI_MISCONFIGURED naming the fix', async () => {
    const guard = createFetchGuard({ ...f.options, httpSignatures: signatureVerifier() });
    running.push({ app: { url: '', close: async () => undefined } as never, guard });
    const request = new Request('http://127.0.0.1/signed/payments', {
      method: 'POST',
      headers: { ...(await f.dpopHeaders('http://127.0.0.1/signed/payments', 'POST')) },
      body: PAYMENT,
    });
    await request.text();
    const error = await guard(request, { signedRequest: 'required' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_FAPI_MISCONFIGURED', status: 500 });
    expect(String((error as Error).cause)).toMatch(/read before the guard; call the guard first/);
  });
});

describe('signed responses', () => {
  test('signs the answer over the exact bytes sent, bound to the signed request (RS-SIG-05)', async () => {
    const { url } = await serve();
    const call = await signedRequest(f, 'POST', `${url}/signed/payments`, PAYMENT);
    const response = await send(call);
    expect(response.status).toBe(201);
    expect(response.headers['signature-input']).toMatch(/"signature";req;key="sig1"/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    await expect(verifiesAsAnswerTo(response, call)).resolves.toBe(true);
    const tampered = {
      ...response,
      bytes: Buffer.from(response.bytes.toString().replace('10', '11')),
    };
    await expect(verifiesAsAnswerTo(tampered, call)).resolves.toBe(false);
  });

  test('signs the answer to an unsigned request too, without the request signature', async () => {
    const { url } = await serve();
    const call = await signedRequest(f, 'GET', `${url}/unsigned/answer`);
    const { signature: _s, 'signature-input': _i, ...headers } = call.headers;
    const response = await send({ ...call, headers });
    expect(response.status).toBe(200);
    expect(response.headers['signature-input']).not.toMatch(/"signature";req/);
    await expect(verifiesAsAnswerTo(response, { ...call, headers })).resolves.toBe(true);
  });

  test('a rejection is not signed', async () => {
    const { url } = await serve();
    const call = await signedRequest(f, 'POST', `${url}/signed/payments`, PAYMENT);
    const { authorization: _a, ...headers } = call.headers;
    const response = await send({ ...call, headers });
    expect(response.status).toBe(401);
    expect(response.headers.signature).toBeUndefined();
    expect(response.headers['signature-input']).toBeUndefined();
  });

  test('without a response key, { signedResponse: true } is a 500 before the handler runs', async () => {
    const { url, reached } = await serve(false);
    const response = await send(await signedRequest(f, 'POST', `${url}/signed/payments`, PAYMENT));
    expect(response.status).toBe(500);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_MISCONFIGURED').body());
    expect(reached).toEqual([]);
  });

  test('signResponse refuses a request the guard did not accept with signedResponse', async () => {
    const guard = createFetchGuard({ ...f.options, httpSignatures: signatureVerifier() });
    running.push({ app: { url: '', close: async () => undefined } as never, guard });
    const request = new Request('http://127.0.0.1/accounts');
    await expect(guard.signResponse(request, Response.json({}))).rejects.toMatchObject({
      code: 'ERR_FAPI_MISCONFIGURED',
    });
  });

  test('the third argument is checked: an unknown key or a non-boolean is a TypeError', async () => {
    const guard = createFetchGuard({ ...f.options, httpSignatures: signatureVerifier() });
    running.push({ app: { url: '', close: async () => undefined } as never, guard });
    const request = new Request('http://127.0.0.1/accounts');
    await expect(guard(request, {}, { signedResponses: true } as never)).rejects.toThrow(
      /unknown option "signedResponses"/,
    );
    await expect(guard(request, {}, { signedResponse: 'yes' } as never)).rejects.toThrow(
      /signedResponse must be a boolean/,
    );
  });
});
