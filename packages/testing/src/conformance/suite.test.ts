/**
 * The conformance suite run against a reference app made of core and node:http alone, so the
 * table is known to hold without any framework; and the checks every response gets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createResourceServer,
  fromNodeRequest,
  isFapiError,
  type Requirements,
} from '@fapi-guard/core';
import { assertConformance } from './assert.js';
import {
  CONFORMANCE_ACCOUNT_CONSENT,
  CONFORMANCE_CLAIMS_RULE,
  CONFORMANCE_PAYMENT_CONSENT,
  CONFORMANCE_STEP_UP,
} from './consent-routes.js';
import { startConformanceServer } from './server.js';
import { conformanceSignatureJson } from './signed-routes.js';
import { runConformanceSuite } from './suite.js';
import type { ConformanceResponse, MakeConformanceApp } from './types.js';

/** Requirements, success status and whether the answer is signed (`rs.signResponse`). */
const ROUTES: Record<string, [Requirements, number, signed?: boolean]> = {
  'GET /accounts': [{ scopes: ['accounts'] }, 200],
  'POST /payments': [{ scopes: ['payments'], binding: 'dpop' }, 201],
  'GET /mtls': [{ binding: 'mtls' }, 200],
  'GET /any': [{ anyScope: ['admin', 'accounts'] }, 200],
  'GET /unmarked': [{}, 200],
  'POST /consented-payments': [{ authorizationDetails: CONFORMANCE_PAYMENT_CONSENT }, 201],
  'GET /accounts/:accountId': [{ authorizationDetails: CONFORMANCE_ACCOUNT_CONSENT }, 200],
  'GET /strong': [{ ...CONFORMANCE_STEP_UP }, 200],
  'GET /claims': [{ claims: CONFORMANCE_CLAIMS_RULE }, 200],
  'GET /signed/accounts': [{ scopes: ['accounts'], signedRequest: 'required' }, 200, true],
  'POST /signed/payments': [{ scopes: ['payments'], signedRequest: 'required' }, 201, true],
  'GET /signed/optional': [{ signedRequest: 'optional' }, 200],
};

/** The route of a request and its path parameters (only `/accounts/:accountId` has one). */
function routeOf(method: string, path: string) {
  const account = /^\/accounts\/([^/]+)$/.exec(path);
  if (account) {
    return { route: ROUTES[`${method} /accounts/:accountId`], params: { accountId: account[1] } };
  }
  return { route: ROUTES[`${method} ${path}`], params: {} };
}

const makeReferenceApp: MakeConformanceApp = async ({ fapi, tls }) => {
  const rs = createResourceServer(fapi);
  if (!rs.signsResponses) throw new TypeError('fapi.httpSignatures: set responseSigning');
  const json = (res: ServerResponse, status: number, headers: object, body: unknown) =>
    res
      .writeHead(status, { ...headers, 'content-type': 'application/json' })
      .end(JSON.stringify(body));
  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/public') return json(res, 200, {}, { ok: true });
    const { route, params } = routeOf(req.method ?? '', path ?? '/');
    if (!route) return json(res, 404, {}, {});
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // The exact bytes received: the request signature's Content-Digest is checked over them.
    const rawBody = new Uint8Array(Buffer.concat(chunks));
    const text = Buffer.from(rawBody).toString();
    const form = /^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '');
    const isJson = /^application\/json/.test(req.headers['content-type'] ?? '');
    const body = form
      ? Object.fromEntries(new URLSearchParams(text))
      : isJson
        ? (JSON.parse(text) as unknown)
        : undefined;
    try {
      const context = { method: req.method ?? '', path: path ?? '/', params, query: {}, body };
      const describe = () => ({ ...fromNodeRequest(req, { body }), rawBody });
      const [requirements, status, signed] = route;
      const principal = await rs.forRequest(req, describe).require(requirements, context);
      const { subject, clientId, scopes, binding, authorizationDetails, acr } = principal;
      const answer = {
        ...{ subject, clientId, scopes, binding },
        ...{ authorizationDetails, acr },
        ...(requirements.signedRequest && { signature: conformanceSignatureJson(principal) }),
      };
      if (!signed) return json(res, status, principal.responseHeaders, answer);
      // Signed after serialization, over the exact bytes sent.
      const bytes = Buffer.from(JSON.stringify(answer));
      const headers = { ...principal.responseHeaders, 'content-type': 'application/json' };
      const signature = rs.signResponse(describe(), principal, { status, headers, body: bytes });
      res.writeHead(status, { ...headers, ...signature }).end(bytes);
    } catch (error) {
      if (!isFapiError(error)) throw error;
      json(res, error.status, error.headers, error.body());
    }
  };
  return startConformanceServer(
    (req, res) => void listener(req, res),
    tls,
    () => rs.close(),
  );
};

describe('reference app (core + node:http)', () => {
  runConformanceSuite(makeReferenceApp, { publicBy: 'path' });
});

describe('assertConformance', () => {
  const request = {
    method: 'GET',
    path: '/accounts',
    headers: { authorization: `DPoP ${'t'.repeat(40)}` },
  };
  const rejection = (change: Partial<ConformanceResponse> = {}): ConformanceResponse => {
    const body = { error: 'invalid_token', error_description: 'The access token expired' };
    return {
      status: 401,
      headers: {
        date: 'Fri, 15 Jan 2027 08:00:00 GMT',
        'cache-control': 'no-store',
        'x-fapi-interaction-id': '2b4c52a8-2b8e-4a71-9e33-4c7cba3c3a53',
        'content-type': 'application/json',
        'www-authenticate': 'DPoP error="invalid_token", algs="PS256 ES256 EdDSA", Bearer',
      },
      rawHeaders: {},
      text: JSON.stringify(body),
      body: Buffer.from(JSON.stringify(body)),
      json: body,
      ...change,
    };
  };
  const expected = { status: 401, error: 'invalid_token', scheme: 'DPoP' } as const;

  test('passes a well-formed rejection', () => {
    expect(() => assertConformance(rejection(), request, expected)).not.toThrow();
  });

  test.each<[string, Partial<ConformanceResponse>]>([
    ['the token echoed in the body', { text: `{"error":"invalid_token","t":"${'t'.repeat(40)}"}` }],
    ['a stack trace', { text: 'Error: x\n    at verify (/app/src/x.ts:1:2)' }],
    ['an HTML body', { headers: { ...rejection().headers, 'content-type': 'text/html' } }],
    ['no Date header', { headers: { ...rejection().headers, date: '' } }],
    [
      'a DPoP challenge without algs',
      { headers: { ...rejection().headers, 'www-authenticate': 'DPoP error="invalid_token"' } },
    ],
    [
      'the error in the wrong scheme',
      {
        headers: {
          ...rejection().headers,
          'www-authenticate': 'Bearer error="invalid_token", DPoP algs="PS256 ES256 EdDSA"',
        },
      },
    ],
  ])('fails a rejection with %s', (_name, change) => {
    expect(() => assertConformance(rejection(change), request, expected)).toThrow();
  });

  test('accepts a 404 in place of the expectation only when orNoRoute says so', () => {
    const notFound = rejection({ status: 404, headers: {}, text: 'Not Found', json: undefined });
    expect(() =>
      assertConformance(notFound, request, { ...expected, orNoRoute: true }),
    ).not.toThrow();
    expect(() => assertConformance(notFound, request, expected)).toThrow();
  });

  test('requires the FAPI headers on a 200 unless it is the public route', () => {
    const body = { ok: true };
    const open = rejection({
      status: 200,
      headers: { date: 'x' },
      text: '{"ok":true}',
      json: body,
    });
    expect(() =>
      assertConformance(open, request, { status: 200, body, publicRoute: true }),
    ).not.toThrow();
    expect(() => assertConformance(open, request, { status: 200, body })).toThrow();
  });
});
