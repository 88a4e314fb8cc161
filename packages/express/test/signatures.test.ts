/**
 * Signed requests and responses on Express (RFC 9421, FAPI 2.0 HTTP Signatures): the raw body
 * kept by the parsers' verify callback, the requireSignedRequest helper and chain method, and
 * signedResponse() signing the exact bytes sent, over real HTTP with real keys.
 */
import { ERROR_CODES } from '@fapi-guard/core';
import { createTestFixture, startConformanceServer, type TestFixture } from '@fapi-guard/testing';
import express5 from 'express';
import type { Express } from 'express';
import express4 from 'express4';
import {
  captureRawBody,
  fapiErrorHandler,
  fapiGuard,
  requireScopes,
  requireSignedRequest,
  signedResponse,
  type FapiGuardOptions,
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
} from './signing.js';

let f: TestFixture;
beforeAll(async () => {
  f = await createTestFixture();
});

const PAYMENT = Buffer.from('{"amount":"10.00","currency":"EUR"}');
const description = (code: keyof typeof ERROR_CODES) => ERROR_CODES[code].description;

describe.each([
  ['express 5', express5],
  ['express 4', express4],
])('%s', (_name, createApp) => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(() => Promise.all(closers.splice(0).map((close) => close())));

  /** Serves `routes` behind a guard whose httpSignatures can sign responses (or not). */
  async function serve(
    routes: (app: Express) => void,
    { parsers = true, responseSigning = true, options = {} as Partial<FapiGuardOptions> } = {},
  ): Promise<string> {
    const app = createApp();
    if (parsers) {
      app.use(createApp.json({ verify: captureRawBody }));
      app.use(createApp.urlencoded({ extended: false, verify: captureRawBody }));
      app.use(createApp.text({ verify: captureRawBody }));
    }
    const guard = fapiGuard({
      ...f.options,
      httpSignatures: signatureVerifier(responseSigning),
      ...options,
    });
    app.use(guard);
    routes(app);
    const server = await startConformanceServer(app, undefined, () => guard.close());
    closers.push(() => server.close());
    return server.url;
  }

  const paymentsRoute = (app: Express) =>
    app.post(
      '/payments',
      signedResponse(),
      requireScopes('payments').requireSignedRequest(),
      (req, res) => {
        res.status(201).json({
          amount: (req.body as { amount?: string }).amount,
          keyId: req.fapi?.signature?.keyId,
          rawBodyLength: req.rawBody?.length,
        });
      },
    );

  describe('signed requests', () => {
    test('accepts a signed POST and still gives the handler the parsed req.body', async () => {
      const url = await serve(paymentsRoute);
      const request = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      const response = await send(request);
      expect(response.status).toBe(201);
      expect(JSON.parse(response.bytes.toString())).toEqual({
        amount: '10.00',
        keyId: 'k1',
        rawBodyLength: PAYMENT.length,
      });
    });

    test('checks the digest over the bytes received, not a re-serialization of req.body: JSON with insignificant whitespace is accepted', async () => {
      const url = await serve(paymentsRoute);
      const spaced = Buffer.from('{ "amount": "10.00", "currency": "EUR" }');
      const response = await send(await signedRequest(f, 'POST', `${url}/payments`, spaced));
      expect(response.status).toBe(201);
      expect(JSON.parse(response.bytes.toString())).toEqual({
        amount: '10.00',
        keyId: 'k1',
        rawBodyLength: spaced.length,
      });
    });

    test('keeps the raw bytes of urlencoded bodies too, and req.body is still parsed', async () => {
      const url = await serve((app) =>
        app.post('/forms', requireSignedRequest(), (req, res) =>
          res.json({ amount: (req.body as { amount?: string }).amount }),
        ),
      );
      const body = Buffer.from('amount=10.00&currency=EUR');
      const request = await signedRequest(f, 'POST', `${url}/forms`, body, {
        contentType: 'application/x-www-form-urlencoded',
      });
      const response = await send(request);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.bytes.toString())).toEqual({ amount: '10.00' });
    });

    test('refuses a body changed after signing: 401 ERR_FAPI_SIGNATURE_DIGEST, handler not run', async () => {
      let ran = false;
      const url = await serve((app) =>
        app.post('/payments', requireScopes('payments').requireSignedRequest(), (_req, res) => {
          ran = true;
          res.status(201).end();
        }),
      );
      const request = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      // Same length, another amount: only the digest over the received bytes notices.
      const response = await send({
        ...request,
        body: Buffer.from(PAYMENT.toString().replace('10', '99')),
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.bytes.toString()).error_description).toBe(
        description('ERR_FAPI_SIGNATURE_DIGEST'),
      );
      expect(ran).toBe(false);
    });

    test('refuses an unsigned request on a required route and a signature by another key', async () => {
      const url = await serve(paymentsRoute);
      const unsigned = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      delete unsigned.headers.signature;
      delete unsigned.headers['signature-input'];
      const missing = await send(unsigned);
      expect(missing.status).toBe(401);
      expect(JSON.parse(missing.bytes.toString()).error_description).toBe(
        description('ERR_FAPI_SIGNATURE_MISSING'),
      );
      const forged = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT, {
        key: UNREGISTERED_KEY,
      });
      const invalid = await send(forged);
      expect(invalid.status).toBe(401);
      expect(JSON.parse(invalid.bytes.toString()).error_description).toBe(
        description('ERR_FAPI_SIGNATURE_INVALID'),
      );
    });

    test("'optional' passes an unsigned request and verifies a signed one", async () => {
      const url = await serve((app) =>
        app.get('/optional', requireSignedRequest('optional'), (req, res) =>
          res.json({ keyId: req.fapi?.signature?.keyId ?? null }),
        ),
      );
      const signed = await signedRequest(f, 'GET', `${url}/optional`);
      const response = await send(signed);
      expect(JSON.parse(response.bytes.toString())).toEqual({ keyId: 'k1' });
      const unsigned = await send({
        method: 'GET',
        url: `${url}/optional`,
        headers: await f.dpopHeaders(`${url}/optional`),
      });
      expect(unsigned.status).toBe(200);
      expect(JSON.parse(unsigned.bytes.toString())).toEqual({ keyId: null });
      const forged = await signedRequest(f, 'GET', `${url}/optional`, undefined, {
        key: UNREGISTERED_KEY,
      });
      expect((await send(forged)).status).toBe(401);
    });

    test('a body no parser captured is a 500 ERR_FAPI_MISCONFIGURED, never a pass', async () => {
      let ran = false;
      const url = await serve(
        (app) =>
          app.post('/payments', requireSignedRequest(), (_req, res) => {
            ran = true;
            res.end();
          }),
        { parsers: false },
      );
      const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
      expect(response.status).toBe(500);
      expect(JSON.parse(response.bytes.toString()).error_description).toBe(
        description('ERR_FAPI_MISCONFIGURED'),
      );
      expect(ran).toBe(false);
    });

    test('a bad mode is a TypeError at set-up', () => {
      expect(() => requireSignedRequest('yes' as never)).toThrow(TypeError);
      expect(() => requireScopes('payments').requireSignedRequest('always' as never)).toThrow(
        "requireSignedRequest: signedRequest must be 'required' or 'optional'",
      );
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

    test('signs res.json over the bytes received, bound to the signed request (RS-SIG-05)', async () => {
      const url = await serve(paymentsRoute);
      const request = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT);
      const response = await signedAnswer(request);
      expect(response.status).toBe(201);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['signature-input']).toContain('"signature";req;key="sig1"');
      expect(response.headers['signature-input']).toContain('tag="fapi-2-response"');
      // Changing the request it answers breaks the binding.
      const other = { ...request, url: `${url}/payments?x=1` };
      expect(await verifiesAsResponseTo(response, other)).toBe(false);
    });

    test('signs res.send, streamed res.write chunks and res.end(buffer)', async () => {
      const url = await serve((app) => {
        app.use(signedResponse(), requireSignedRequest('optional'));
        app.get('/text', (_req, res) => {
          res.send('kontostand: 10 €');
        });
        app.get('/stream', (_req, res) => {
          res.setHeader('content-type', 'text/csv');
          res.write('date,amount\n');
          res.write(Buffer.from('2027-01-15,10.00\n'));
          res.end('2027-01-16,-2.50\n');
        });
        app.get('/buffer', (_req, res) => {
          res.writeHead(202, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.from([0, 255, 1, 254]));
        });
      });
      const text = await signedAnswer(await signedRequest(f, 'GET', `${url}/text`));
      expect(text.bytes.toString()).toBe('kontostand: 10 €');
      const stream = await signedAnswer(await signedRequest(f, 'GET', `${url}/stream`));
      expect(stream.bytes.toString()).toBe('date,amount\n2027-01-15,10.00\n2027-01-16,-2.50\n');
      expect(stream.headers['transfer-encoding']).toBeUndefined();
      const buffer = await signedAnswer(await signedRequest(f, 'GET', `${url}/buffer`));
      expect(buffer.status).toBe(202);
      expect([...buffer.bytes]).toEqual([0, 255, 1, 254]);
    });

    test('signs HEAD, 204 and 304 answers without a body (no content-digest)', async () => {
      const url = await serve((app) => {
        app.use(signedResponse(), requireSignedRequest('optional'));
        app.get('/balance', (_req, res) => res.json({ balance: '10.00' }));
        app.delete('/consents/1', (_req, res) => res.status(204).end());
      });
      const head = await signedAnswer(await signedRequest(f, 'HEAD', `${url}/balance`));
      expect(head.status).toBe(200);
      expect(head.headers['content-digest']).toBeUndefined();
      expect(head.headers['signature-input']).toMatch(/^sig1=\("@status" "@method";req/);
      const deleted = await signedAnswer(await signedRequest(f, 'DELETE', `${url}/consents/1`));
      expect(deleted.status).toBe(204);
      expect(deleted.headers['content-digest']).toBeUndefined();
      const first = await send(await signedRequest(f, 'GET', `${url}/balance`));
      const request = await signedRequest(f, 'GET', `${url}/balance`);
      request.headers['if-none-match'] = first.headers.etag as string;
      const notModified = await signedAnswer(request);
      expect(notModified.status).toBe(304);
      expect(notModified.headers['content-digest']).toBeUndefined();
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

    test('does not sign a rejection forwarded to fapiErrorHandler (forwardErrors)', async () => {
      const url = await serve(
        (app) => {
          paymentsRoute(app);
          app.use(fapiErrorHandler());
        },
        { options: { forwardErrors: true } },
      );
      const noScope = await signedRequest(f, 'POST', `${url}/payments`, PAYMENT, {
        scope: 'accounts',
      });
      const forbidden = await send(noScope);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(forbidden.headers.signature).toBeUndefined();
    });

    test('demands a valid token on a public path: signs only answers to verified callers', async () => {
      let calls = 0;
      const url = await serve(
        (app) =>
          app.get('/public/rates', signedResponse(), (_req, res) => {
            calls += 1;
            res.json({ eur: '1.00' });
          }),
        { options: { publicPaths: ['/public/*'] } },
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
        (app) =>
          app.post('/payments', signedResponse(), requireSignedRequest(), (_req, res) => {
            ran = true;
            res.status(201).json({ paid: true });
          }),
        { responseSigning: false },
      );
      const response = await send(await signedRequest(f, 'POST', `${url}/payments`, PAYMENT));
      expect(response.status).toBe(500);
      expect(JSON.parse(response.bytes.toString()).error_description).toBe(
        description('ERR_FAPI_MISCONFIGURED'),
      );
      expect(response.headers.signature).toBeUndefined();
      expect(ran).toBe(false);
    });
  });
});
