/**
 * What must pass (the "must not be rejected" list of docs/requirements.md), the FAPI response
 * headers, and a key source that is down.
 */
import type { ConformanceCase, ConformanceKit, ConformanceRequest } from '../types.js';
import { get, NONCE, PRINCIPAL, step, UUID, withProof } from './shared.js';

const CLIENT_INTERACTION_ID = 'C0A9E6F4-1B7D-4E4A-9A4B-2B0F0A5C1D2E';
const DPOP_OK = { status: 200, body: { ...PRINCIPAL, binding: { kind: 'dpop' } } } as const;

const accepted = (
  name: string,
  specIds: string[],
  request: (k: ConformanceKit) => Promise<ConformanceRequest>,
): ConformanceCase => ({ name, specIds, request, expect: DPOP_OK });

/** A valid DPoP request with one header replaced. */
const replacing = async (k: ConformanceKit, name: string, value: (old: string) => string) => {
  const request = await k.dpopRequest();
  const old = request.headers[name] as string;
  delete request.headers[name];
  return { ...request, headers: { ...request.headers, [name]: value(old) } };
};

export const acceptCases: ConformanceCase[] = [
  accepted('accepts the scheme spelled dPoP', ['RS-TOK-01'], (k) =>
    replacing(k, 'authorization', (value) => value.replace('DPoP', 'dPoP')),
  ),
  accepted('accepts the header name DPOP in capitals', ['RS-DPOP-02'], async (k) => {
    const request = await k.dpopRequest();
    const { dpop, ...headers } = request.headers;
    return { ...request, headers: { ...headers, DPOP: dpop as string } };
  }),
  accepted('accepts unknown header members and claims in the proof', ['RS-DPOP-04'], (k) =>
    withProof(k, { header: { extra: 'x' }, claims: { foo: 'bar', nested: { a: 1 } } }),
  ),
  accepted('accepts an htu with query and fragment', ['RS-DPOP-09'], (k) =>
    withProof(k, { htu: `${k.htu('/accounts')}?a=1#frag` }),
  ),
  accepted('accepts a request with a query when htu has none', ['RS-DPOP-09'], (k) =>
    k.dpopRequest({ path: '/accounts?from=2027-01-01' }),
  ),
  accepted('accepts an htu with upper-case scheme and host', ['RS-DPOP-09'], (k) =>
    withProof(k, { htu: 'HTTPS://API.BANK.TEST/accounts' }),
  ),
  accepted('accepts an htu with the explicit default port', ['RS-DPOP-09'], (k) =>
    withProof(k, { htu: 'https://api.bank.test:443/accounts' }),
  ),
  accepted('accepts an htu percent-encoding an unreserved character', ['RS-DPOP-09'], (k) =>
    withProof(k, { htu: 'https://api.bank.test/%61ccounts' }),
  ),
  accepted('accepts a proof with valid nbf and exp', ['RS-DPOP-11'], (k) =>
    withProof(k, { claims: { nbf: k.now, exp: k.now + 300 } }),
  ),
  accepted('accepts a proof iat 10 s in the past', ['RS-GEN-10'], (k) =>
    withProof(k, { iat: k.now - 10 }),
  ),
  accepted('accepts a proof iat 10 s in the future', ['RS-GEN-10'], (k) =>
    withProof(k, { iat: k.now + 10 }),
  ),
  accepted('accepts a proof 70 s old, the edge of the window', ['RS-DPOP-11'], (k) =>
    withProof(k, { iat: k.now - 70 }),
  ),
  accepted('accepts an alternate Accept header', ['RS-GEN-01'], (k) =>
    k.dpopRequest({ headers: { accept: 'application/xml;q=0.5, */*' } }),
  ),
  accepted('accepts a PS256 access token with an EdDSA proof', ['RS-GEN-07'], async (k) =>
    k.dpopRequest({
      token: await k.dpopToken({ alg: 'PS256', cnf: { jkt: k.eddsaDpopKey.jkt } }),
      proof: { key: k.eddsaDpopKey },
    }),
  ),
  {
    name: 'accepts a DPoP-bound payment with scope payments',
    specIds: ['RS-GEN-04', 'RS-DPOP-01'],
    request: (k) => k.dpopRequest({ method: 'POST', path: '/payments' }),
    expect: { status: 201, body: { ...PRINCIPAL, binding: { kind: 'dpop' } } },
  },
  {
    name: 'accepts one of the scopes of GET /any',
    specIds: ['RS-GEN-04'],
    request: async (k) =>
      k.dpopRequest({ path: '/any', token: await k.dpopToken({ scope: 'accounts' }) }),
    expect: { status: 200, body: { ...PRINCIPAL, scopes: ['accounts'] } },
  },
  {
    name: 'accepts a valid proof after a use_dpop_nonce retry',
    specIds: ['RS-DPOP-17', 'RS-GEN-12'],
    server: 'nonce',
    request: async (k) => {
      const { 'dpop-nonce': nonce } = await step(k, await k.dpopRequest(), 401);
      return withProof(k, { nonce: nonce as string });
    },
    expect: { ...DPOP_OK, headers: { 'dpop-nonce': null } },
  },
  {
    name: 'rotates the nonce in a DPoP-Nonce header on success once the client nonce is older',
    specIds: ['RS-DPOP-17'],
    server: 'nonce',
    request: async (k) => {
      const { 'dpop-nonce': nonce } = await step(k, await k.dpopRequest(), 401);
      k.setNow(k.now + 60);
      return withProof(k, { nonce: nonce as string, iat: k.now + 60 });
    },
    expect: { ...DPOP_OK, headers: { 'dpop-nonce': NONCE.headers['dpop-nonce'] } },
  },

  // x-fapi-interaction-id (RS-HDR-01)
  {
    name: "echoes the client's x-fapi-interaction-id on success",
    specIds: ['RS-HDR-01'],
    request: (k) => k.dpopRequest({ headers: { 'x-fapi-interaction-id': CLIENT_INTERACTION_ID } }),
    expect: { ...DPOP_OK, headers: { 'x-fapi-interaction-id': CLIENT_INTERACTION_ID } },
  },
  {
    name: "echoes the client's x-fapi-interaction-id on a rejection",
    specIds: ['RS-HDR-01'],
    request: async () => get('/accounts', { 'x-fapi-interaction-id': CLIENT_INTERACTION_ID }),
    expect: {
      status: 401,
      error: null,
      headers: { 'x-fapi-interaction-id': CLIENT_INTERACTION_ID },
    },
  },
  {
    name: 'mints an x-fapi-interaction-id when the client sent none',
    specIds: ['RS-HDR-01'],
    request: (k) => k.dpopRequest(),
    expect: { ...DPOP_OK, headers: { 'x-fapi-interaction-id': UUID } },
  },
  {
    name: 'mints an x-fapi-interaction-id when the client sent one that is not a UUID',
    specIds: ['RS-HDR-01'],
    request: async () => get('/accounts', { 'x-fapi-interaction-id': 'not-a-uuid' }),
    expect: { status: 401, error: null, headers: { 'x-fapi-interaction-id': UUID } },
  },

  // Key source down: fail closed with 503, no challenge, no internals.
  {
    name: 'answers 503 without a challenge when the JWKS is unreachable',
    specIds: ['RS-INT-04'],
    server: 'jwks-unreachable',
    request: (k) => k.dpopRequest(),
    expect: {
      status: 503,
      code: 'ERR_FAPI_KEYS_UNAVAILABLE',
      error: 'temporarily_unavailable',
      headers: { 'www-authenticate': null },
    },
  },
];
