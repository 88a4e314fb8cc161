/**
 * What the fetch guard adds to core, over a real HTTP server (Node's, through
 * @hono/node-server's request listener, which hands the handler a Web `Request`): rejections
 * as `Response`s, one verification per `Request`, form bodies read from a clone, and what a
 * `Headers` object can and cannot tell about repeated fields.
 */
import { FapiError, isFapiError, type Requirements } from '@fapi-guard/core';
import {
  createCertificateAuthority,
  createTestFixture,
  FIXTURE_NOW_S,
  sendRequest,
  startConformanceServer,
  toClientCertHeader,
  type ClientCertificate,
  type ConformanceApp,
  type TestFixture,
} from '@fapi-guard/testing';
import { getRequestListener } from '@hono/node-server';
import {
  createFetchGuard,
  fapiErrorResponse,
  requestContext,
  withFapiHeaders,
  type FetchGuard,
  type FetchGuardOptions,
} from '../src/index.js';

let f: TestFixture;
let certificate: ClientCertificate;
const running: Array<{ app: ConformanceApp; guard: FetchGuard }> = [];
beforeAll(async () => {
  f = await createTestFixture();
  certificate = await (await createCertificateAuthority()).issueClientCertificate();
});
afterEach(async () => {
  for (const { app, guard } of running.splice(0)) {
    await app.close();
    await guard.close();
  }
});

/**
 * Serves a fetch handler that guards every request with `requirements` and answers 200 with
 * the principal's subject and the form body the handler itself read.
 */
async function serve(
  options: Partial<FetchGuardOptions> = {},
  requirements?: Requirements,
): Promise<string> {
  const guard = createFetchGuard({ ...f.options, ...options });
  const handler = async (request: Request): Promise<Response> => {
    try {
      const principal = await guard(request, requirements);
      const again = await guard(request, requirements); // same Request: no second verification
      const body = request.body ? await request.text() : null;
      return withFapiHeaders(Response.json({ subject: again.subject, body }), principal);
    } catch (error) {
      if (isFapiError(error)) return fapiErrorResponse(error);
      return new Response(String(error), { status: 500 });
    }
  };
  const app = await startConformanceServer(getRequestListener(handler));
  running.push({ app, guard });
  return app.url;
}

const get = (url: string, headers: Record<string, string | string[]>) =>
  sendRequest(url, { method: 'GET', path: '/accounts', headers });

describe('answers', () => {
  test('a request without a token gets 401 with the challenge and a JSON body', async () => {
    const url = await serve();
    const response = await get(url, {});
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^DPoP algs="[^"]+", Bearer$/);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json).toEqual(new FapiError('ERR_FAPI_NO_CREDENTIALS').body());
  });

  test('a valid DPoP request resolves once per Request, with the response headers', async () => {
    const url = await serve();
    const response = await get(url, await f.dpopHeaders(`${url}/accounts`));
    expect(response.status).toBe(200); // a second verification would see its proof replayed
    expect(response.json).toEqual({ subject: expect.any(String), body: null });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('requirements are checked: 403 insufficient_scope naming the scope', async () => {
    const url = await serve({}, { scopes: ['admin'] });
    const response = await get(url, await f.dpopHeaders(`${url}/accounts`));
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(response.headers['www-authenticate']).toMatch(/scope="admin"/);
  });

  test('an unknown requirement key rejects with a TypeError naming it', async () => {
    const guard = createFetchGuard(f.options);
    const request = new Request('https://api.bank.test/accounts');
    await expect(guard(request, { scope: ['a'] } as never)).rejects.toThrow(
      /unknown requirement "scope"/,
    );
    await guard.close();
  });

  test('options are checked when the guard is created', () => {
    expect(() => createFetchGuard({ ...f.options, peerAddress: '10.0.0.1' } as never)).toThrow(
      /peerAddress: must be a function/,
    );
    expect(() => createFetchGuard({ ...f.options, jwks_uri: 'x' } as never)).toThrow(TypeError);
  });
});

describe('form bodies', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  test('refuses a form-body access_token next to the header; the handler reads the body', async () => {
    const url = await serve();
    const headers = await f.dpopHeaders(`${url}/accounts`, 'POST');
    const refused = await sendRequest(url, {
      method: 'POST',
      path: '/accounts',
      headers: { ...headers, ...form },
      body: 'access_token=x',
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual(new FapiError('ERR_FAPI_MULTIPLE_METHODS').body());
    const fresh = await f.dpopHeaders(`${url}/accounts`, 'POST');
    const ok = await sendRequest(url, {
      method: 'POST',
      path: '/accounts',
      headers: { ...fresh, ...form },
      body: 'amount=10',
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ subject: expect.any(String), body: 'amount=10' });
  });

  test('two Content-Type fields, one a form: the body is still read as a form', async () => {
    const url = await serve();
    const headers = await f.dpopHeaders(`${url}/accounts`, 'POST');
    const response = await sendRequest(url, {
      method: 'POST',
      path: '/accounts',
      headers: { ...headers, 'content-type': ['text/plain', form['content-type']] },
      body: 'access_token=x',
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_MULTIPLE_METHODS').body());
  });
});

describe('repeated header fields (Headers joins them with ", ")', () => {
  test('two Authorization fields: 400 invalid_request, as on Node', async () => {
    const url = await serve();
    const { authorization, dpop } = await f.dpopHeaders(`${url}/accounts`);
    const response = await get(url, { authorization: [authorization, authorization], dpop });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_MULTIPLE_METHODS').body());
  });

  test('two DPoP fields: 401 invalid_dpop_proof (exactly one proof), as on Node', async () => {
    const url = await serve();
    const { authorization, dpop } = await f.dpopHeaders(`${url}/accounts`);
    const response = await get(url, { authorization, dpop: [dpop, dpop] });
    expect(response.status).toBe(401);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_DPOP_PROOF_MULTIPLE').body());
  });
});

describe('mTLS through a trusted proxy', () => {
  const loopback = () => '127.0.0.1';
  const proxy = (format: 'rfc9440' | 'pem') => ({
    mtls: { header: { trustedProxies: ['127.0.0.1'], format } },
    peerAddress: loopback,
  });
  const mtlsToken = () =>
    f.authority.mintAccessToken({ now: FIXTURE_NOW_S, cnf: { 'x5t#S256': certificate.x5tS256 } });
  const pem = () => encodeURIComponent(certificate.certPem);

  test.each([
    ['rfc9440', () => toClientCertHeader(certificate.der)],
    ['pem', pem],
  ] as const)('accepts the %s Client-Cert header of a trusted peer', async (format, value) => {
    const url = await serve(proxy(format), { binding: 'mtls' });
    const response = await get(url, {
      authorization: `Bearer ${await mtlsToken()}`,
      'client-cert': value(),
    });
    expect(response.json).toMatchObject({ subject: expect.any(String) });
    expect(response.status).toBe(200);
  });

  test.each([
    ['rfc9440', () => toClientCertHeader(certificate.der)],
    ['pem', pem],
  ] as const)('refuses two %s Client-Cert fields with 400', async (format, value) => {
    const url = await serve(proxy(format), { binding: 'mtls' });
    const response = await get(url, {
      authorization: `Bearer ${await mtlsToken()}`,
      'client-cert': [value(), value()],
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(new FapiError('ERR_FAPI_CLIENT_CERT_HEADER_INVALID').body());
  });

  test('ignores the header when no peerAddress function says who sent it', async () => {
    const url = await serve({ mtls: proxy('rfc9440').mtls }, { binding: 'mtls' });
    const response = await get(url, {
      authorization: `Bearer ${await mtlsToken()}`,
      'client-cert': toClientCertHeader(certificate.der),
    });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ error: 'invalid_token' });
  });
});

describe('consent requirements', () => {
  test('a matcher sees the query and the form body; the principal carries the matched details', async () => {
    const account = { type: 'account_access', accounts: ['acc-1'] };
    const payment = { type: 'payment_initiation', instructedAmount: { amount: '5' } };
    const seen: unknown[] = [];
    const guard = createFetchGuard(f.options);
    const requirements: Requirements = {
      authorizationDetails: {
        type: 'account_access',
        match: (detail, request) => {
          seen.push(request);
          return (detail.accounts as string[]).includes(request.query.account as string);
        },
      },
    };
    const handler = async (request: Request): Promise<Response> => {
      try {
        const principal = await guard(request, requirements);
        return Response.json({ details: principal.authorizationDetails });
      } catch (error) {
        if (isFapiError(error)) return fapiErrorResponse(error);
        return new Response(String(error), { status: 500 });
      }
    };
    const app = await startConformanceServer(getRequestListener(handler));
    running.push({ app, guard });
    const mint = { claims: { authorization_details: [payment, account] } };
    const send = async (account: string) =>
      sendRequest(app.url, {
        method: 'POST',
        path: `/transfers?account=${account}`,
        headers: await f.dpopHeaders(`${app.url}/transfers`, 'POST', mint),
        body: { amount: '5' },
      });
    const ok = await send('acc-1');
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ details: [account] });
    expect(seen[0]).toEqual({
      method: 'POST',
      path: '/transfers',
      params: {},
      query: { account: 'acc-1' },
      body: { amount: '5' },
    });
    const other = await send('acc-2');
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ error: 'insufficient_authorization_details' });
  });
});

describe('requestContext', () => {
  test('reads method, path and query, with the given body and params', () => {
    const request = new Request('https://api.bank.test/accounts/7?from=2027-01-01', {
      method: 'POST',
    });
    expect(requestContext(request, { amount: '1' }, { id: '7' })).toEqual({
      method: 'POST',
      path: '/accounts/7',
      params: { id: '7' },
      query: { from: '2027-01-01' },
      body: { amount: '1' },
    });
  });
});
