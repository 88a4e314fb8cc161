/** Reject vectors N01–N10 and N25: where the token travels, its scheme, binding and scope. */
import type { ConformanceCase } from '../types.js';
import { bearer, get, MULTIPLE, TOKEN } from './shared.js';

export const credentialCases: ConformanceCase[] = [
  {
    name: 'answers a request without Authorization with a challenge carrying no error',
    specIds: ['N01', 'RS-ERR-02'],
    request: async () => get('/accounts'),
    expect: { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null },
  },
  {
    name: 'refuses a token in the query as an unsupported method',
    specIds: ['N02', 'RS-GEN-02'],
    request: async (k) => get(`/accounts?access_token=${await k.dpopToken()}`),
    expect: { status: 401, code: 'ERR_FAPI_TOKEN_IN_QUERY', error: null },
  },
  {
    name: 'refuses a token in the header and the query',
    specIds: ['N03', 'RS-TOK-03'],
    request: (k) => k.dpopRequest({ path: '/accounts?access_token=x' }),
    expect: MULTIPLE,
  },
  {
    name: 'refuses a token in the header and the form body',
    specIds: ['N03', 'RS-GEN-02'],
    request: (k) =>
      k.dpopRequest({ method: 'POST', path: '/payments', body: { access_token: 'x' } }),
    expect: MULTIPLE,
  },
  {
    name: 'refuses a token only in the form body as an unsupported method',
    specIds: ['N03', 'RS-GEN-02'],
    request: async (k) => ({
      method: 'POST',
      path: '/payments',
      headers: {},
      body: { access_token: await k.dpopToken() },
    }),
    expect: { status: 401, code: 'ERR_FAPI_TOKEN_IN_QUERY', error: null },
  },
  {
    name: 'refuses two Authorization header fields, Bearer and DPoP',
    specIds: ['N04', 'RS-TOK-03', 'RS-TOK-04'],
    request: async (k) => {
      const token = await k.dpopToken();
      return get('/accounts', {
        authorization: [`Bearer ${token}`, `DPoP ${token}`],
        dpop: await k.proof({ token }),
      });
    },
    expect: MULTIPLE,
  },
  {
    name: 'refuses two Authorization values joined by a comma',
    specIds: ['N04', 'RS-TOK-04'],
    request: async (k) => {
      const token = await k.dpopToken();
      return get('/accounts', { authorization: `DPoP ${token}, Bearer ${token}` });
    },
    expect: MULTIPLE,
  },
  ...['Basic dXNlcjpwYXNz', 'MAC id="x"'].map((authorization): ConformanceCase => ({
    name: `answers the unsupported scheme ${authorization.split(' ')[0]} with a challenge carrying no error`,
    specIds: ['N05', 'RS-ERR-02'],
    request: async () => get('/accounts', { authorization }),
    expect: { status: 401, code: 'ERR_FAPI_UNSUPPORTED_SCHEME', error: null },
  })),
  ...(
    [
      ['Bearer', 'Bearer', 'an empty token'],
      ['Bearer abc$def', 'Bearer', 'characters outside b64token'],
      ['DPoP abc def', 'DPoP', 'a space inside the token'],
    ] as const
  ).map(([authorization, scheme, what]): ConformanceCase => ({
    name: `refuses ${scheme} with ${what} as invalid_request`,
    specIds: ['N06', 'RS-TOK-02'],
    request: async () => get('/accounts', { authorization }),
    expect: {
      status: 400,
      code: 'ERR_FAPI_MALFORMED_AUTHORIZATION',
      error: 'invalid_request',
      scheme,
    },
  })),
  {
    name: 'refuses a DPoP-bound token sent as Bearer without a proof (downgrade)',
    specIds: ['N07', 'RS-DPOP-15'],
    request: async (k) => bearer(await k.dpopToken()),
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_DOWNGRADE', scheme: 'Bearer' },
  },
  {
    name: 'refuses a DPoP-bound token sent as Bearer with a proof (downgrade)',
    specIds: ['N08', 'RS-DPOP-15'],
    request: async (k) => {
      const token = await k.dpopToken();
      return get('/accounts', { authorization: `Bearer ${token}`, dpop: await k.proof({ token }) });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_DOWNGRADE', scheme: 'Bearer' },
  },
  {
    name: 'refuses a token without cnf',
    specIds: ['N09', 'RS-GEN-05'],
    request: async (k) => bearer(await k.authority.mintAccessToken({ now: k.now })),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_NOT_SENDER_CONSTRAINED', scheme: 'Bearer' },
  },
  {
    name: 'refuses the DPoP scheme with an mTLS-bound token',
    specIds: ['N10'],
    request: async (k) => {
      const token = await k.mtlsToken();
      return get('/accounts', { authorization: `DPoP ${token}`, dpop: await k.proof({ token }) });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_NOT_BOUND', scheme: 'DPoP' },
  },
  {
    name: 'refuses the DPoP scheme with an unbound token',
    specIds: ['N10'],
    request: async (k) => {
      const token = await k.authority.mintAccessToken({ now: k.now });
      return get('/accounts', { authorization: `DPoP ${token}`, dpop: await k.proof({ token }) });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_NOT_BOUND', scheme: 'DPoP' },
  },
  {
    name: 'refuses a token without the scope of GET /accounts, naming the scope',
    specIds: ['N25', 'RS-GEN-04'],
    request: async (k) => k.dpopRequest({ token: await k.dpopToken({ scope: 'payments' }) }),
    expect: {
      status: 403,
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
      error: 'insufficient_scope',
      scheme: 'DPoP',
      headers: { 'www-authenticate': /scope="accounts"/ },
    },
  },
  {
    name: 'refuses a token without the scope of POST /payments, naming the scope',
    specIds: ['N25', 'RS-GEN-04'],
    request: async (k) =>
      k.dpopRequest({
        method: 'POST',
        path: '/payments',
        token: await k.dpopToken({ scope: 'accounts' }),
      }),
    expect: {
      status: 403,
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
      error: 'insufficient_scope',
      scheme: 'DPoP',
      headers: { 'www-authenticate': /scope="payments"/ },
    },
  },
  {
    name: 'refuses a token with none of the scopes of GET /any, naming them',
    specIds: ['N25', 'RS-GEN-04'],
    request: async (k) =>
      k.dpopRequest({ path: '/any', token: await k.dpopToken({ scope: 'payments' }) }),
    expect: {
      status: 403,
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
      error: 'insufficient_scope',
      scheme: 'DPoP',
      headers: { 'www-authenticate': /scope="admin accounts"/ },
    },
  },
  {
    name: 'refuses a DPoP-bound token on the mTLS-bound route',
    specIds: ['RS-GEN-05'],
    request: (k) => k.dpopRequest({ path: '/mtls' }),
    expect: { ...TOKEN, code: 'ERR_FAPI_BINDING_REQUIRED', scheme: 'DPoP' },
  },
];
