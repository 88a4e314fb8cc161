/**
 * The reject vectors (N01-N60, see docs/requirements.md), one table row each: status, stable code, the `error` value and
 * which challenge carries it. N23/N24 (introspection) are tested with the introspection client.
 */
import {
  createClientCertificate,
  createDpopKey,
  createSigningKey,
  tamperSignature,
  toClientCertHeader,
  truncateSignature,
  unsignedJwt,
  type ClientCertificate,
  type DpopKey,
} from '@fapi-guard/testing';
import type { RequestLike } from '../src/index.js';
import {
  AUDIENCE,
  createKit,
  expectRejection,
  ISSUER,
  NOW_S,
  rejectionOf,
  RESOURCE_URL,
  type Expected,
  type Kit,
} from './fixture.js';

interface Vector {
  name: string;
  request: (kit: Kit) => Promise<RequestLike>;
  expect: Expected;
}

let kit: Kit;
let otherDpopKey: DpopKey;
let cert: ClientCertificate;
let otherCert: ClientCertificate;

beforeAll(async () => {
  kit = await createKit({
    mtls: { header: { trustedProxies: ['10.0.0.0/8'] } },
  });
  otherDpopKey = await createDpopKey('ES256');
  cert = await createClientCertificate({ subject: 'CN=client-1' });
  otherCert = await createClientCertificate({ subject: 'CN=client-2' });
});

const get = (headers: Record<string, string | string[]>, extra: Partial<RequestLike> = {}) => ({
  method: 'GET',
  url: RESOURCE_URL,
  headers,
  ...extra,
});
const mtlsToken = (k: Kit, thumbprint = cert.x5tS256) =>
  k.authority.mintAccessToken({ now: NOW_S, cnf: { 'x5t#S256': thumbprint } });
const bearerWith = async (k: Kit, mint: Parameters<Kit['dpopToken']>[0]) =>
  get(
    {
      authorization: `Bearer ${await k.authority.mintAccessToken({ now: NOW_S, cnf: { 'x5t#S256': cert.x5tS256 }, ...mint })}`,
    },
    { clientCertificate: cert.der },
  );
const withProof = async (k: Kit, proof: Parameters<Kit['proof']>[1], token?: string) =>
  k.dpopRequest({ ...(token ? { token } : {}), proof });
const rawProof = async (k: Kit, dpop: string | string[]) => {
  const token = await k.dpopToken();
  return get({ authorization: `DPoP ${token}`, dpop });
};

const TOKEN = { status: 401, error: 'invalid_token' } as const;
const PROOF = { status: 401, error: 'invalid_dpop_proof', scheme: 'DPoP' } as const;
const NONCE = { status: 401, error: 'use_dpop_nonce', scheme: 'DPoP' } as const;

const vectors: Vector[] = [
  // 2.1 Authorization header (RS-GEN-01/02, RS-TOK-01..04, RS-ERR-02)
  {
    name: 'N01 no Authorization header: challenge without error (RS-ERR-02)',
    request: async () => get({}),
    expect: { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null },
  },
  {
    name: 'N02 token only in the query (RS-GEN-02)',
    request: async (k) => ({
      ...get({}),
      url: `${RESOURCE_URL}?access_token=${await k.dpopToken()}`,
    }),
    expect: { status: 401, code: 'ERR_FAPI_TOKEN_IN_QUERY', error: null },
  },
  {
    name: 'N03 token in the header and the query (RS-TOK-03)',
    request: async (k) => ({ ...(await k.dpopRequest()), url: `${RESOURCE_URL}?access_token=x` }),
    expect: {
      status: 400,
      code: 'ERR_FAPI_MULTIPLE_METHODS',
      error: 'invalid_request',
      scheme: 'both',
    },
  },
  {
    name: 'N03 token in the header and the form body (RS-GEN-02)',
    request: async (k) => ({ ...(await k.dpopRequest()), body: { access_token: 'x' } }),
    expect: {
      status: 400,
      code: 'ERR_FAPI_MULTIPLE_METHODS',
      error: 'invalid_request',
      scheme: 'both',
    },
  },
  {
    name: 'N03 token only in the form body (RS-GEN-02)',
    request: async () => get({}, { body: { access_token: 'x' } }),
    expect: { status: 401, code: 'ERR_FAPI_TOKEN_IN_QUERY', error: null },
  },
  {
    name: 'N04 two Authorization headers, Bearer and DPoP (RS-TOK-03)',
    request: async (k) => {
      const t = await k.dpopToken();
      return get({ authorization: [`Bearer ${t}`, `DPoP ${t}`], dpop: await k.proof(t) });
    },
    expect: {
      status: 400,
      code: 'ERR_FAPI_MULTIPLE_METHODS',
      error: 'invalid_request',
      scheme: 'both',
    },
  },
  {
    name: 'N04 two Authorization values joined by a comma (RS-TOK-04)',
    request: async (k) => {
      const t = await k.dpopToken();
      return get({ authorization: `DPoP ${t}, Bearer ${t}` });
    },
    expect: {
      status: 400,
      code: 'ERR_FAPI_MULTIPLE_METHODS',
      error: 'invalid_request',
      scheme: 'both',
    },
  },
  {
    name: 'N05 unsupported scheme Basic',
    request: async () => get({ authorization: 'Basic dXNlcjpwYXNz' }),
    expect: { status: 401, code: 'ERR_FAPI_UNSUPPORTED_SCHEME', error: null },
  },
  {
    name: 'N05 unsupported scheme MAC',
    request: async () => get({ authorization: 'MAC id="x"' }),
    expect: { status: 401, code: 'ERR_FAPI_UNSUPPORTED_SCHEME', error: null },
  },
  {
    name: 'N06 Bearer with an empty token (RS-TOK-02)',
    request: async () => get({ authorization: 'Bearer' }),
    expect: {
      status: 400,
      code: 'ERR_FAPI_MALFORMED_AUTHORIZATION',
      error: 'invalid_request',
      scheme: 'Bearer',
    },
  },
  {
    name: 'N06 Bearer with characters outside b64token (RS-TOK-02)',
    request: async () => get({ authorization: 'Bearer abc$def' }),
    expect: {
      status: 400,
      code: 'ERR_FAPI_MALFORMED_AUTHORIZATION',
      error: 'invalid_request',
      scheme: 'Bearer',
    },
  },
  {
    name: 'N06 DPoP with a space inside the token (RS-TOK-02)',
    request: async () => get({ authorization: 'DPoP abc def' }),
    expect: {
      status: 400,
      code: 'ERR_FAPI_MALFORMED_AUTHORIZATION',
      error: 'invalid_request',
      scheme: 'DPoP',
    },
  },

  // 2.2 Binding and downgrade (RS-GEN-05, RS-DPOP-15)
  {
    name: 'N07 DPoP-bound token sent as Bearer without a proof (RS-DPOP-15)',
    request: async (k) => get({ authorization: `Bearer ${await k.dpopToken()}` }),
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_DOWNGRADE', scheme: 'Bearer' },
  },
  {
    name: 'N08 DPoP-bound token sent as Bearer with a proof (RS-DPOP-15)',
    request: async (k) => {
      const t = await k.dpopToken();
      return get({ authorization: `Bearer ${t}`, dpop: await k.proof(t) });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_DOWNGRADE', scheme: 'Bearer' },
  },
  {
    name: 'N09 token without cnf is refused (RS-GEN-05)',
    request: async (k) =>
      get({ authorization: `Bearer ${await k.authority.mintAccessToken({ now: NOW_S })}` }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_NOT_SENDER_CONSTRAINED', scheme: 'Bearer' },
  },
  {
    name: 'N10 DPoP scheme with an mTLS-bound token',
    request: async (k) => {
      const t = await mtlsToken(k);
      return get(
        { authorization: `DPoP ${t}`, dpop: await k.proof(t) },
        { clientCertificate: cert.der },
      );
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_NOT_BOUND', scheme: 'DPoP' },
  },
  {
    name: 'N10 DPoP scheme with an unbound token',
    request: async (k) => {
      const t = await k.authority.mintAccessToken({ now: NOW_S });
      return get({ authorization: `DPoP ${t}`, dpop: await k.proof(t) });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_NOT_BOUND', scheme: 'DPoP' },
  },

  // 2.3 JWT access tokens (RS-JWT-*, RS-GEN-07/08)
  {
    name: 'N11 access token with alg none (RS-GEN-07)',
    request: async (k) =>
      get({ authorization: `Bearer ${unsignedJwt({ typ: 'at+jwt', alg: 'none' }, claims(k))}` }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_ALG', scheme: 'Bearer' },
  },
  {
    name: 'N12 HS256 signed with the AS public key as the secret (RS-JWT-04)',
    request: async (k) => {
      const key = k.authority.key('ES256');
      const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      return bearerWith(k, { header: { alg: 'HS256' }, signWith: pem });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_ALG', scheme: 'Bearer' },
  },
  {
    name: 'N13 RS256 validly signed by a published key (RS-GEN-07)',
    request: async (k) => {
      const rsa = await createSigningKey('RS256', { kid: 'rs256-key' });
      k.authority.addKey(rsa);
      return bearerWith(k, { key: rsa });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_ALG', scheme: 'Bearer' },
  },
  {
    name: 'N13 ES384 signature (RS-GEN-07)',
    request: async (k) => bearerWith(k, { key: await createSigningKey('ES384') }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_ALG', scheme: 'Bearer' },
  },
  {
    name: 'N14 access token signature with one bit flipped (RS-GEN-03)',
    request: async (k) => {
      const t = tamperSignature(await mtlsToken(k));
      return get({ authorization: `Bearer ${t}` }, { clientCertificate: cert.der });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_SIGNATURE', scheme: 'Bearer' },
  },
  {
    name: 'N14 access token signature truncated (RS-GEN-03)',
    request: async (k) => {
      const t = truncateSignature(await mtlsToken(k), 3);
      return get({ authorization: `Bearer ${t}` }, { clientCertificate: cert.der });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_SIGNATURE', scheme: 'Bearer' },
  },
  {
    name: 'N15 expired access token (RS-JWT-05)',
    request: async (k) => bearerWith(k, { now: NOW_S - 400 }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_EXPIRED', scheme: 'Bearer' },
  },
  {
    name: 'N16 access token nbf 61 s ahead (RS-JWT-05)',
    request: async (k) => bearerWith(k, { claims: { nbf: NOW_S + 61 } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_NOT_YET_VALID', scheme: 'Bearer' },
  },
  {
    name: 'N16 access token iat 61 s ahead (RS-GEN-10)',
    request: async (k) => bearerWith(k, { claims: { iat: NOW_S + 61 } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_NOT_YET_VALID', scheme: 'Bearer' },
  },
  {
    name: 'N17 issuer of another AS (RS-JWT-02)',
    request: async (k) => bearerWith(k, { claims: { iss: 'https://evil.test' } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_ISSUER', scheme: 'Bearer' },
  },
  {
    name: 'N17 issuer with a trailing slash (RS-JWT-02)',
    request: async (k) => bearerWith(k, { claims: { iss: `${ISSUER}/` } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_ISSUER', scheme: 'Bearer' },
  },
  {
    name: 'N18 audience missing (RS-JWT-03)',
    request: async (k) => bearerWith(k, { claims: { aud: undefined } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_AUDIENCE', scheme: 'Bearer' },
  },
  {
    name: 'N18 audience of another resource server (RS-JWT-03)',
    request: async (k) =>
      bearerWith(k, { claims: { aud: ['https://other.test', `${AUDIENCE}/`] } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_AUDIENCE', scheme: 'Bearer' },
  },
  {
    name: 'N19 typ missing (RS-JWT-01)',
    request: async (k) => bearerWith(k, { header: { typ: undefined } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_TYPE', scheme: 'Bearer' },
  },
  {
    name: 'N19 typ JWT, e.g. an ID token (RS-JWT-01)',
    request: async (k) => bearerWith(k, { header: { typ: 'JWT' } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_TYPE', scheme: 'Bearer' },
  },
  {
    name: 'N19 typ dpop+jwt: a DPoP proof as access token (RS-JWT-01)',
    request: async (k) => bearerWith(k, { header: { typ: 'dpop+jwt' } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_TYPE', scheme: 'Bearer' },
  },
  {
    name: 'N20 unknown kid (RS-JWT-09)',
    request: async (k) => bearerWith(k, { header: { kid: 'no-such-key' } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND', scheme: 'Bearer' },
  },
  {
    name: 'N20 kid of a key of another algorithm (RS-GEN-09)',
    request: async (k) =>
      bearerWith(k, { alg: 'ES256', header: { kid: k.authority.key('PS256').kid } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND', scheme: 'Bearer' },
  },
  {
    name: 'N21 header jwk of the attacker is never used (RS-JWT-04)',
    request: async (k) => {
      const evil = await createSigningKey('ES256');
      return bearerWith(k, {
        key: evil,
        header: { kid: k.authority.key('ES256').kid, jwk: evil.publicJwk },
      });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_SIGNATURE', scheme: 'Bearer' },
  },
  {
    name: 'N21 header jku of the attacker is never fetched (RS-JWT-04)',
    request: async (k) => {
      const evil = await createSigningKey('ES256');
      return bearerWith(k, {
        key: evil,
        header: { kid: k.authority.key('ES256').kid, jku: 'https://evil.test/jwks' },
      });
    },
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_SIGNATURE', scheme: 'Bearer' },
  },
  ...(['sub', 'client_id', 'jti', 'iat', 'exp'] as const).map((claim) => ({
    name: `N22 required claim ${claim} missing (RS-JWT-06)`,
    request: (k: Kit) => bearerWith(k, { claims: { [claim]: undefined } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_CLAIM_INVALID', scheme: 'Bearer' as const },
  })),
  {
    name: 'N22 unknown crit header (RS-JWT-08)',
    request: async (k) => bearerWith(k, { header: { crit: ['exp-ext'], 'exp-ext': 1 } }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_CRIT', scheme: 'Bearer' },
  },
  {
    name: 'N25 scope insufficient (RS-GEN-04)',
    request: async (k) => k.dpopRequest({ token: await k.dpopToken({ scope: 'accounts' }) }),
    expect: {
      status: 403,
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
      error: 'insufficient_scope',
      scheme: 'DPoP',
    },
  },

  // 2.4 DPoP proofs (RS-DPOP-*)
  {
    name: 'N26 DPoP token without a DPoP header (RS-DPOP-01)',
    request: async (k) => get({ authorization: `DPoP ${await k.dpopToken()}` }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_PROOF_MISSING' },
  },
  {
    name: 'N27 two DPoP headers (RS-DPOP-02)',
    request: async (k) => {
      const t = await k.dpopToken();
      return get({ authorization: `DPoP ${t}`, dpop: [await k.proof(t), await k.proof(t)] });
    },
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_PROOF_MULTIPLE' },
  },
  {
    name: 'N27 two DPoP values joined with a comma (RS-TOK-04)',
    request: async (k) => {
      const t = await k.dpopToken();
      return get({ authorization: `DPoP ${t}`, dpop: `${await k.proof(t)}, ${await k.proof(t)}` });
    },
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_PROOF_MULTIPLE' },
  },
  {
    name: 'N28 proof with two segments (RS-DPOP-03)',
    request: async (k) => rawProof(k, (await k.proof('x')).split('.').slice(0, 2).join('.')),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_PROOF_MALFORMED' },
  },
  {
    name: 'N28 proof with bad base64 (RS-DPOP-03)',
    request: async (k) => rawProof(k, `@@.${(await k.proof('x')).split('.').slice(1).join('.')}`),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_PROOF_MALFORMED' },
  },
  {
    name: 'N28 proof whose header is not JSON (RS-DPOP-03)',
    request: async (k) =>
      rawProof(k, `bm90IGpzb24.${(await k.proof('x')).split('.').slice(1).join('.')}`),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_PROOF_MALFORMED' },
  },
  {
    name: 'N29 proof typ missing (RS-DPOP-05)',
    request: async (k) => withProof(k, { header: { typ: undefined } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_TYP' },
  },
  {
    name: 'N29 proof typ JWT (RS-DPOP-05)',
    request: async (k) => withProof(k, { header: { typ: 'JWT' } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_TYP' },
  },
  {
    name: 'N30 proof alg none (RS-DPOP-06)',
    request: async (k) =>
      rawProof(
        k,
        unsignedJwt(
          { typ: 'dpop+jwt', alg: 'none', jwk: k.dpopKey.publicJwk },
          { jti: 'x', htm: 'GET', htu: RESOURCE_URL, iat: NOW_S },
        ),
      ),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_ALG' },
  },
  {
    name: 'N30 proof alg missing (RS-DPOP-06)',
    request: async (k) => withProof(k, { header: { alg: undefined }, signingAlg: 'ES256' }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_ALG' },
  },
  {
    name: 'N31 proof alg HS256 (RS-DPOP-06)',
    request: async (k) =>
      withProof(k, { header: { alg: 'HS256' }, signWith: 'secret-secret-secret-secret-32b!' }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_ALG' },
  },
  {
    name: 'N31 proof jwk of kty oct (RS-DPOP-07)',
    request: async (k) => withProof(k, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_JWK' },
  },
  {
    name: 'N32 proof RS256 with an RSA key (RS-DPOP-06)',
    request: async (k) => {
      const rsa = await createDpopKey('RS256');
      const t = await k.dpopToken({ cnf: { jkt: rsa.jkt } });
      return k.dpopRequest({ token: t, proof: { key: rsa } });
    },
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_ALG' },
  },
  {
    name: 'N33 proof jwk missing (RS-DPOP-07)',
    request: async (k) => withProof(k, { header: { jwk: undefined } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_JWK' },
  },
  {
    name: 'N33 proof jwk carries the private key (RS-DPOP-07)',
    request: async (k) => withProof(k, { header: { jwk: k.dpopKey.privateJwk } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_JWK' },
  },
  {
    name: 'N34 proof signature bit flipped (RS-DPOP-07)',
    request: async (k) => rawProof(k, tamperSignature(await k.proof(await k.dpopToken()))),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_SIGNATURE' },
  },
  {
    name: 'N34 proof signed by a key other than its jwk (RS-DPOP-07)',
    request: async (k) => withProof(k, { signWith: otherDpopKey }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_SIGNATURE' },
  },
  ...(['jti', 'htm', 'htu', 'iat'] as const).map((claim) => ({
    name: `N35 proof claim ${claim} missing (RS-DPOP-04)`,
    request: (k: Kit) => withProof(k, { claims: { [claim]: undefined } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_CLAIM_INVALID' },
  })),
  {
    name: 'N36 proof htm PUT on a GET (RS-DPOP-08)',
    request: async (k) => withProof(k, { htm: 'PUT' }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_HTM_MISMATCH' },
  },
  {
    name: 'N36 proof htm in lower case (RS-DPOP-08)',
    request: async (k) => withProof(k, { htm: 'get' }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_HTM_MISMATCH' },
  },
  ...[
    'https://api.bank.test/payments',
    'https://evil.test/accounts',
    'http://api.bank.test/accounts',
    'https://api.bank.test:8443/accounts',
  ].map((htu) => ({
    name: `N37 proof htu ${htu} (RS-DPOP-09)`,
    request: (k: Kit) => withProof(k, { htu }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_HTU_MISMATCH' },
  })),
  ...['https://api.bank.test/Accounts', 'https://api.bank.test/x/../accounts'].map((htu) => ({
    name: `N38 proof htu ${htu}: path stays case- and dot-segment-sensitive (RS-DPOP-09)`,
    request: (k: Kit) => withProof(k, { htu }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_HTU_MISMATCH' },
  })),
  {
    name: 'N39 proof iat an hour old (RS-DPOP-11)',
    request: async (k) => withProof(k, { iat: NOW_S - 3600 }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW' },
  },
  {
    name: 'N39 proof iat just past the 60 s + 10 s window (RS-DPOP-11)',
    request: async (k) => withProof(k, { iat: NOW_S - 71 }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW' },
  },
  {
    name: 'N40 proof iat an hour ahead (RS-DPOP-11)',
    request: async (k) => withProof(k, { iat: NOW_S + 3600 }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW' },
  },
  {
    name: 'N40 proof iat 11 s ahead (RS-GEN-10)',
    request: async (k) => withProof(k, { iat: NOW_S + 11 }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW' },
  },
  {
    name: 'N41 proof replayed (RS-DPOP-14)',
    request: async (k) => {
      const req = await k.dpopRequest();
      await k.rs.verify(req);
      return req;
    },
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_REPLAY' },
  },
  {
    name: 'N42 proof jti of 300 characters (RS-DPOP-14)',
    request: async (k) => withProof(k, { jti: 'j'.repeat(300) }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_JTI_TOO_LONG' },
  },
  {
    name: 'N43 proof without ath (RS-DPOP-12)',
    request: async (k) => withProof(k, { claims: { ath: undefined } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_ATH_MISSING' },
  },
  {
    name: 'N44 proof ath of another token (RS-DPOP-12)',
    request: async (k) => withProof(k, { accessToken: 'another-token' }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_ATH_MISMATCH' },
  },
  {
    name: 'N45 proof key differs from cnf.jkt (RS-DPOP-13)',
    request: async (k) => withProof(k, { key: otherDpopKey }),
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_KEY_BINDING', scheme: 'DPoP' },
  },
  {
    name: 'N49 proof exp in the past (JWT semantics)',
    request: async (k) => withProof(k, { claims: { exp: NOW_S - 30 } }),
    expect: { ...PROOF, code: 'ERR_FAPI_DPOP_EXPIRED' },
  },

  // 2.5 mTLS (RS-MTLS-*)
  {
    name: 'N50 mTLS-bound token without a client certificate (RS-MTLS-01)',
    request: async (k) => get({ authorization: `Bearer ${await mtlsToken(k)}` }),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_NO_CERTIFICATE', scheme: 'Bearer' },
  },
  {
    name: "N51 client 1's certificate with client 2's token (RS-MTLS-01)",
    request: async (k) =>
      get(
        { authorization: `Bearer ${await mtlsToken(k, otherCert.x5tS256)}` },
        { clientCertificate: cert.der },
      ),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_THUMBPRINT_MISMATCH', scheme: 'Bearer' },
  },
  ...[`${'A'.repeat(43)}=`, 'A'.repeat(42), 'ab'.repeat(32)].map((x5t) => ({
    name: `N52 malformed cnf x5t#S256 ${x5t.slice(0, 8)}… (RS-MTLS-02)`,
    request: async (k: Kit) =>
      get({ authorization: `Bearer ${await mtlsToken(k, x5t)}` }, { clientCertificate: cert.der }),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_CNF_MALFORMED', scheme: 'Bearer' as const },
  })),
  {
    name: 'N53 Client-Cert header from an untrusted peer is ignored (RS-MTLS-03)',
    request: async (k) =>
      get(
        {
          authorization: `Bearer ${await mtlsToken(k)}`,
          'client-cert': toClientCertHeader(cert.der),
        },
        { peerAddress: '192.0.2.7' },
      ),
    expect: { ...TOKEN, code: 'ERR_FAPI_MTLS_NO_CERTIFICATE', scheme: 'Bearer' },
  },
  {
    name: 'N54 two Client-Cert headers from a trusted proxy (RS-MTLS-03)',
    request: async (k) =>
      get(
        {
          authorization: `Bearer ${await mtlsToken(k)}`,
          'client-cert': [toClientCertHeader(cert.der), toClientCertHeader(cert.der)],
        },
        { peerAddress: '10.1.2.3' },
      ),
    expect: {
      status: 400,
      code: 'ERR_FAPI_CLIENT_CERT_HEADER_INVALID',
      error: 'invalid_request',
      scheme: 'Bearer',
    },
  },
  {
    name: 'N54 Client-Cert that is not a byte sequence (RS-MTLS-03)',
    request: async (k) =>
      get(
        { authorization: `Bearer ${await mtlsToken(k)}`, 'client-cert': 'not-a-byte-sequence' },
        { peerAddress: '10.1.2.3' },
      ),
    expect: {
      status: 400,
      code: 'ERR_FAPI_CLIENT_CERT_HEADER_INVALID',
      error: 'invalid_request',
      scheme: 'Bearer',
    },
  },
  {
    name: 'N55 cnf with both jkt and x5t#S256 (RS-GEN-05)',
    request: async (k) =>
      k.dpopRequest({
        token: await k.dpopToken({ cnf: { jkt: k.dpopKey.jkt, 'x5t#S256': cert.x5tS256 } }),
      }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_BINDING_UNSUPPORTED', scheme: 'DPoP' },
  },
  {
    name: 'N55 cnf with an unknown binding method',
    request: async (k) =>
      get({
        authorization: `Bearer ${await k.authority.mintAccessToken({ now: NOW_S, cnf: { jwk: k.dpopKey.publicJwk } })}`,
      }),
    expect: { ...TOKEN, code: 'ERR_FAPI_TOKEN_BINDING_UNSUPPORTED', scheme: 'Bearer' },
  },
];

function claims(k: Kit): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    client_id: 'client-1',
    iat: NOW_S,
    exp: NOW_S + 300,
    jti: 'j1',
    cnf: { jkt: k.dpopKey.jkt },
  };
}

describe('reject vectors (docs/requirements.md)', () => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    await expectRejection(kit.rs, await vector.request(kit), vector.expect, {
      scopes: ['payments'],
    });
  });
});

/** The `DPoP-Nonce` of the use_dpop_nonce answer to a proof without nonce; fails if it passed. */
async function nonceFrom(k: Kit): Promise<string> {
  const error = await rejectionOf(k.rs, await k.dpopRequest());
  expect(error.code).toBe('ERR_FAPI_DPOP_NONCE_REQUIRED');
  const nonce = error.headers['dpop-nonce'];
  if (nonce === undefined) throw new Error('the use_dpop_nonce answer carried no DPoP-Nonce');
  return nonce;
}

describe('server nonces (RS-DPOP-10, RS-DPOP-17)', () => {
  let nonceKit: Kit;
  beforeAll(async () => {
    nonceKit = await createKit({ dpop: { nonce: { secret: 'n'.repeat(32) } } });
  });

  test('N46 a proof without nonce gets use_dpop_nonce and a DPoP-Nonce header', async () => {
    const error = await expectRejection(nonceKit.rs, await nonceKit.dpopRequest(), {
      ...NONCE,
      code: 'ERR_FAPI_DPOP_NONCE_REQUIRED',
    });
    expect(error.headers['dpop-nonce']).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/);
    expect(error.headers['cache-control']).toBe('no-store');
  });

  test('N47 an unknown nonce gets use_dpop_nonce and a fresh nonce', async () => {
    const error = await expectRejection(
      nonceKit.rs,
      await nonceKit.dpopRequest({ proof: { nonce: 'made-up' } }),
      { ...NONCE, code: 'ERR_FAPI_DPOP_NONCE_INVALID' },
    );
    expect(error.headers['dpop-nonce']).toBeTruthy();
  });

  test('N47 a nonce two rotations old is refused', async () => {
    const old = await nonceFrom(nonceKit);
    nonceKit.clock.now += 2 * 300_000 + 1000;
    try {
      await expectRejection(
        nonceKit.rs,
        await nonceKit.dpopRequest({
          proof: { nonce: old, iat: nonceKit.clock.now / 1000 },
          token: await nonceKit.dpopToken({ now: nonceKit.clock.now / 1000 }),
        }),
        { ...NONCE, code: 'ERR_FAPI_DPOP_NONCE_INVALID' },
      );
    } finally {
      nonceKit.clock.now = NOW_S * 1000;
    }
  });

  test('N48 once nonces are on, a proof without nonce never passes, even after a success', async () => {
    const nonce = await nonceFrom(nonceKit);
    await expect(
      nonceKit.rs.verify(await nonceKit.dpopRequest({ proof: { nonce } })),
    ).resolves.toMatchObject({ binding: { kind: 'dpop' } });
    await expectRejection(nonceKit.rs, await nonceKit.dpopRequest(), {
      ...NONCE,
      code: 'ERR_FAPI_DPOP_NONCE_REQUIRED',
    });
  });

  test('N39 with nonces on, an old proof without nonce is answered use_dpop_nonce', async () => {
    await expectRejection(
      nonceKit.rs,
      await nonceKit.dpopRequest({ proof: { iat: NOW_S - 3600 } }),
      { ...NONCE },
    );
  });
});
