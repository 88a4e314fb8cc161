/**
 * Signed requests and responses on Koa (RFC 9421, FAPI 2.0 HTTP Signatures): captureRawBody()
 * keeping the bytes beside the user's body parser, the requireSignedRequest helper and chain
 * method, and signedResponse() signing what it serialized, over real HTTP with real keys.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { ERROR_CODES } from '@fapi-guard/core';
import { createTestFixture, startConformanceServer, type TestFixture } from '@fapi-guard/testing';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { Readable } from 'node:stream';
import {
  captureRawBody,
  fapiGuard,
  requireScopes,
  requireSignedRequest,
  signedResponse,
} from '../src/index.js';
import {
  independentlyVerifies,
  send,
  sha256Digest,
  signatureVerifier,
  signedRequest,
  UNREGISTERED_KEY,
  verifiesAsResponseTo,
  type Exchange,
} from '../../express/test/signing.js';

let f: TestFixture;
beforeAll(async () => {
  f = await createTestFixture();
});

const PAYMENT = Buffer.from('{"amount":"10.00","currency":"EUR"}');
const description = (code: keyof typeof ERROR_CODES) => ERROR_CODES[code].description;
const json = (bytes: Buffer) => JSON.parse(bytes.toString()) as Record<string, unknown>;

describe.each([
  ['koa 3', Koa3],
  ['koa 2', Koa2],
])('%s', (_name, KoaClass) => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(() => Promise.all(closers.splice(0).map((close) => close())));

  /** Serves `routes` behind captureRawBody, a body parser and a guard with httpSignatures. */
  async function serve(
    routes: (router: Router) => void,
    {
      capture = true,
      parser = true,
      parserFirst = false,
      responseSigning = true,
      limit = undefined as number | undefined,
      publicPaths = [] as string[],
    } = {},
  ): Promise<string> {
    const app = new KoaClass();
    if (parserFirst) app.use(bodyParser({ enableTypes: ['json', 'form'] }));
    if (capture) app.use(captureRawBody(limit === undefined ? {} : { limit }));
    if (parser && !parserFirst) app.use(bodyParser({ enableTypes: ['json', 'form'] }));
    const guard = fapiGuard({
      ...f.options,
      httpSignatures: signatureVerifier(responseSigning),
      publicPaths,
    });
    app.use(guard);
    const router = new Router();
    routes(router);
    app.use(router.routes());
    const server = await startConformanceServer(app.callback(), undefined, () => guard.close());
    closers.push(() => server.close());
    return server.url;
  }

  const paymentsRoute = (router: Router) =>
    router.post(
      '/payments',
      signedResponse(),
      requireScopes('payments').requireSignedRequest(),
      (ctx) => {
        ctx.status = 201;
        ctx.body = {
          amount: (ctx.request.body as { amount?: string }).amount,
          keyId: ctx.state.fapi?.signature?.keyId,
          rawBodyLength: ctx.state.rawBody?.length,
        };
      },
    );

  describe('signed requests', () => {
    test('accepts a signed POST and the body parser still sets ctx.request.body', async () => {
      const url = await serve(paymentsRoute);
      const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
      expect(response.status).toBe(201);
      expect(json(response.bytes)).toEqual({
        amount: '10.00',
        keyId: 'k1',
        rawBodyLength: PAYMENT.length,
      });
    });

    test('keeps the exact bytes of a body that is not UTF-8 text (a BOM, Latin-1)', async () => {
      const url = await serve((router) =>
        router.post('/forms', requireSignedRequest(), (ctx) => {
          ctx.body = { name: (ctx.request.body as { name?: string }).name };
        }),
      );
      // A urlencoded body with a raw Latin-1 byte: a decoded string would not give it back.
      const body = Buffer.concat([Buffer.from('name=M'), Buffer.from([0xfc]), Buffer.from('ller')]);
      const request = await signedRequest(f, 'POST', `${url}/forms`, body, {
        contentType: 'application/x-www-form-urlencoded',
      });
      expect((await send(request)).status).toBe(200);
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), PAYMENT]);
      const withBom = await signedRequest(f, 'POST', `${url}/forms`, bom);
      expect((await send(withBom)).status).toBe(200);
    });

    test('reads the body itself on a signed route no parser read', async () => {
      const url = await serve(
        (router) =>
          router.put('/documents/1', requireSignedRequest(), (ctx) => {
            ctx.body = { bytes: ctx.state.rawBody?.length };
          }),
        { parser: false },
      );
      const body = Buffer.from([1, 2, 3, 250]);
      const request = await signedRequest(f, 'PUT', `${url}/documents/1`, body, {
        contentType: 'application/octet-stream',
      });
      const response = await send(request);
      expect(response.status).toBe(200);
      expect(json(response.bytes)).toEqual({ bytes: 4 });
    });

    test('refuses a body changed after signing: 401 ERR_FAPI_SIGNATURE_DIGEST, handler not run', async () => {
      let ran = false;
      const url = await serve((router) =>
        router.post('/payments', requireScopes('payments').requireSignedRequest(), (ctx) => {
          ran = true;
          ctx.status = 201;
        }),
      );
      const request = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      const changed = Buffer.from(PAYMENT.toString().replace('10', '99'));
      const response = await send({ ...request, body: changed });
      expect(response.status).toBe(401);
      expect(json(response.bytes).error_description).toBe(description('ERR_FAPI_SIGNATURE_DIGEST'));
      expect(ran).toBe(false);
    });

    test('refuses an unsigned request on a required route and a signature by another key', async () => {
      const url = await serve(paymentsRoute);
      const unsigned = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      delete unsigned.headers.signature;
      delete unsigned.headers['signature-input'];
      const missing = await send(unsigned);
      expect(missing.status).toBe(401);
      expect(json(missing.bytes).error_description).toBe(description('ERR_FAPI_SIGNATURE_MISSING'));
      const forged = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT, {
        key: UNREGISTERED_KEY,
      });
      const invalid = await send(forged);
      expect(invalid.status).toBe(401);
      expect(json(invalid.bytes).error_description).toBe(description('ERR_FAPI_SIGNATURE_INVALID'));
    });

    test("'optional' passes an unsigned request and verifies a signed one", async () => {
      const url = await serve((router) =>
        router.get('/optional', requireSignedRequest('optional'), (ctx) => {
          ctx.body = { keyId: ctx.state.fapi?.signature?.keyId ?? null };
        }),
      );
      const signed = await send(await signedRequest(f, 'GET', `${url}/optional`));
      expect(json(signed.bytes)).toEqual({ keyId: 'k1' });
      const unsigned = await send({
        method: 'GET',
        url: `${url}/optional`,
        headers: await f.dpopHeaders(`${url}/optional`),
      });
      expect(unsigned.status).toBe(200);
      expect(json(unsigned.bytes)).toEqual({ keyId: null });
      const forged = await signedRequest(f, 'GET', `${url}/optional`, undefined, {
        key: UNREGISTERED_KEY,
      });
      expect((await send(forged)).status).toBe(401);
    });

    test.each([
      ['a body without captureRawBody() is a 500 ERR_FAPI_MISCONFIGURED', { capture: false }],
      ['a body the parser read before captureRawBody() ran is a 500', { parserFirst: true }],
    ] as const)('%s, never a pass', async (_, setup) => {
      let ran = false;
      const url = await serve(
        (router) =>
          router.post('/payments', requireSignedRequest(), (ctx) => {
            ran = true;
            ctx.status = 201;
          }),
        setup,
      );
      const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
      expect(response.status).toBe(500);
      expect(json(response.bytes).error_description).toBe(description('ERR_FAPI_MISCONFIGURED'));
      expect(ran).toBe(false);
    });

    test('a body over the capture limit is 413 on a signed route', async () => {
      const url = await serve(
        (router) =>
          router.put('/documents/1', requireSignedRequest(), (ctx) => {
            ctx.status = 204;
          }),
        { parser: false, limit: 8 },
      );
      const body = Buffer.alloc(64, 1);
      const request = await signedRequest(f, 'PUT', `${url}/documents/1`, body, {
        contentType: 'application/octet-stream',
      });
      expect((await send(request)).status).toBe(413);
    });

    test('bad options and modes are TypeErrors at set-up', () => {
      expect(() => requireSignedRequest('yes' as never)).toThrow(TypeError);
      expect(() => requireScopes('payments').requireSignedRequest('always' as never)).toThrow(
        "requireSignedRequest: signedRequest must be 'required' or 'optional'",
      );
      expect(() => captureRawBody({ limt: 10 } as never)).toThrow(
        'captureRawBody: unknown option "limt" (known: limit)',
      );
      expect(() => captureRawBody({ limit: -1 })).toThrow(/^captureRawBody: limit must be/);
    });
  });

  describe('signed responses', () => {
    /** Sends `request`, checks the answer is signed over its exact bytes, returns it. */
    async function signedAnswer(request: Exchange) {
      const response = await send(request);
      expect(await verifiesAsResponseTo(response, request)).toBe(true);
      expect(await independentlyVerifies(response, request)).toBe(true);
      if (response.bytes.length > 0) {
        expect(response.headers['content-digest']).toBe(sha256Digest(response.bytes));
        expect(response.headers['content-length']).toBe(String(response.bytes.length));
      }
      return response;
    }

    test('signs the JSON it serialized, bound to the signed request (RS-SIG-05)', async () => {
      const url = await serve(paymentsRoute);
      const request = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      const response = await signedAnswer(request);
      expect(response.status).toBe(201);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(json(response.bytes)).toMatchObject({ amount: '10.00' });
      expect(response.headers['signature-input']).toContain('"signature";req;key="sig1"');
      expect(response.headers['signature-input']).toContain('tag="fapi-2-response"');
      const other = { ...request, url: `${url}/payments?x=1` };
      expect(await verifiesAsResponseTo(response, other)).toBe(false);
    });

    test('signs string and Buffer bodies and an answer without a body', async () => {
      const url = await serve((router) => {
        router.use(signedResponse(), requireSignedRequest('optional'));
        router.get('/text', (ctx) => {
          ctx.body = 'kontostand: 10 €';
        });
        router.get('/buffer', (ctx) => {
          ctx.status = 202;
          ctx.body = Buffer.from([0, 255, 1, 254]);
        });
        router.get('/accepted', (ctx) => {
          ctx.status = 202;
        });
      });
      const text = await signedAnswer(await signedRequest(f, 'GET', `${url}/text`));
      expect(text.bytes.toString()).toBe('kontostand: 10 €');
      expect(text.headers['content-type']).toMatch(/^text\/plain/);
      const buffer = await signedAnswer(await signedRequest(f, 'GET', `${url}/buffer`));
      expect(buffer.status).toBe(202);
      expect([...buffer.bytes]).toEqual([0, 255, 1, 254]);
      const accepted = await signedAnswer(await signedRequest(f, 'GET', `${url}/accepted`));
      expect(accepted.status).toBe(202);
      expect(accepted.bytes.toString()).toBe('Accepted');
    });

    test('signs HEAD and 204 answers without a body (no content-digest)', async () => {
      const url = await serve((router) => {
        router.use(signedResponse(), requireSignedRequest('optional'));
        router.get('/balance', (ctx) => {
          ctx.body = { balance: '10.00' };
        });
        router.delete('/consents/1', (ctx) => {
          ctx.status = 204;
        });
      });
      const head = await signedAnswer(await signedRequest(f, 'HEAD', `${url}/balance`));
      expect(head.status).toBe(200);
      expect(head.headers['content-digest']).toBeUndefined();
      expect(head.headers['signature-input']).toMatch(/^sig1=\("@status" "@method";req/);
      const deleted = await signedAnswer(await signedRequest(f, 'DELETE', `${url}/consents/1`));
      expect(deleted.status).toBe(204);
      expect(deleted.headers['content-digest']).toBeUndefined();
    });

    test('refuses a stream body with a 500, never an unsigned answer', async () => {
      const url = await serve((router) =>
        router.get('/export', signedResponse(), requireSignedRequest(), (ctx) => {
          ctx.body = Readable.from(['date,amount\n']);
        }),
      );
      const response = await send(await signedRequest(f, 'GET', `${url}/export`));
      expect(response.status).toBe(500);
      expect(json(response.bytes).error_description).toBe(description('ERR_FAPI_MISCONFIGURED'));
      expect(response.headers.signature).toBeUndefined();
    });

    test('does not sign fapi-guard rejections (no signing oracle)', async () => {
      const url = await serve(paymentsRoute);
      const unsigned = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      delete unsigned.headers.signature;
      delete unsigned.headers['signature-input'];
      const refused = await send(unsigned);
      expect(refused.status).toBe(401);
      expect(refused.headers.signature).toBeUndefined();
      expect(refused.headers['signature-input']).toBeUndefined();
      const noScope = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT, {
        scope: 'accounts',
      });
      const forbidden = await send(noScope);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.signature).toBeUndefined();
    });

    test('demands a valid token on a public path: signs only answers to verified callers', async () => {
      let calls = 0;
      const url = await serve(
        (router) =>
          router.get('/public/rates', signedResponse(), (ctx) => {
            calls += 1;
            ctx.body = { eur: '1.00' };
          }),
        { publicPaths: ['/public/*'] },
      );
      const anonymous = await send({ method: 'GET', url: `${url}/public/rates`, headers: {} });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.signature).toBeUndefined();
      expect(calls).toBe(0);
      const headers = await f.dpopHeaders(`${url}/public/rates`);
      const request = { method: 'GET', url: `${url}/public/rates`, headers };
      const response = await send(request);
      expect(response.status).toBe(200);
      expect(await verifiesAsResponseTo(response, request)).toBe(true);
    });

    test('a marked route on a server without a response key is a 500 before the handler runs', async () => {
      let ran = false;
      const url = await serve(
        (router) =>
          router.post('/payments', signedResponse(), requireSignedRequest(), (ctx) => {
            ran = true;
            ctx.status = 201;
            ctx.body = { paid: true };
          }),
        { responseSigning: false },
      );
      const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
      expect(response.status).toBe(500);
      expect(json(response.bytes).error_description).toBe(description('ERR_FAPI_MISCONFIGURED'));
      expect(response.headers.signature).toBeUndefined();
      expect(ran).toBe(false);
    });
  });
});
