/** Reject vectors N26–N49: DPoP proofs and server nonces (RS-DPOP-*). */
import { tamperSignature, unsignedJwt } from '../../jws.js';
import type {
  ConformanceCase,
  ConformanceExpectation,
  ConformanceKit,
  ConformanceRequest,
} from '../types.js';
import { get, NONCE, PROOF, rawProof, step, TOKEN, withProof } from './shared.js';

type Code = NonNullable<ConformanceExpectation['code']>;

const proofCase = (
  name: string,
  specIds: string[],
  code: Code,
  request: (k: ConformanceKit) => Promise<ConformanceRequest>,
): ConformanceCase => ({ name, specIds, request, expect: { ...PROOF, code } });

/** The segments after the header of a valid proof. */
const tail = async (k: ConformanceKit) => (await k.proof()).split('.').slice(1).join('.');

export const dpopCases: ConformanceCase[] = [
  proofCase(
    'refuses a DPoP token without a DPoP header',
    ['N26', 'RS-DPOP-01'],
    'ERR_FAPI_DPOP_PROOF_MISSING',
    async (k) => get('/accounts', { authorization: `DPoP ${await k.dpopToken()}` }),
  ),
  proofCase(
    'refuses two DPoP header fields',
    ['N27', 'RS-DPOP-02', 'RS-TOK-04'],
    'ERR_FAPI_DPOP_PROOF_MULTIPLE',
    async (k) => {
      const token = await k.dpopToken();
      return get('/accounts', {
        authorization: `DPoP ${token}`,
        dpop: [await k.proof({ token }), await k.proof({ token })],
      });
    },
  ),
  proofCase(
    'refuses two DPoP values joined with a comma',
    ['N27', 'RS-TOK-04'],
    'ERR_FAPI_DPOP_PROOF_MULTIPLE',
    async (k) => {
      const token = await k.dpopToken();
      return get('/accounts', {
        authorization: `DPoP ${token}`,
        dpop: `${await k.proof({ token })}, ${await k.proof({ token })}`,
      });
    },
  ),
  proofCase(
    'refuses a proof of two segments',
    ['N28', 'RS-DPOP-03'],
    'ERR_FAPI_DPOP_PROOF_MALFORMED',
    async (k) => rawProof(k, (await k.proof()).split('.').slice(0, 2).join('.')),
  ),
  proofCase(
    'refuses a proof with bad base64',
    ['N28', 'RS-DPOP-03'],
    'ERR_FAPI_DPOP_PROOF_MALFORMED',
    async (k) => rawProof(k, `@@.${await tail(k)}`),
  ),
  proofCase(
    'refuses a proof whose header is not JSON',
    ['N28', 'RS-DPOP-03'],
    'ERR_FAPI_DPOP_PROOF_MALFORMED',
    async (k) => rawProof(k, `bm90IGpzb24.${await tail(k)}`),
  ),
  proofCase('refuses a proof without typ', ['N29', 'RS-DPOP-05'], 'ERR_FAPI_DPOP_TYP', (k) =>
    withProof(k, { header: { typ: undefined } }),
  ),
  proofCase('refuses a proof typed JWT', ['N29', 'RS-DPOP-05'], 'ERR_FAPI_DPOP_TYP', (k) =>
    withProof(k, { header: { typ: 'JWT' } }),
  ),
  proofCase(
    'refuses an unsigned proof (alg none)',
    ['N30', 'RS-DPOP-06'],
    'ERR_FAPI_DPOP_ALG',
    (k) =>
      rawProof(
        k,
        unsignedJwt(
          { typ: 'dpop+jwt', alg: 'none', jwk: k.dpopKey.publicJwk },
          { jti: 'x', htm: 'GET', htu: k.htu('/accounts'), iat: k.now },
        ),
      ),
  ),
  proofCase('refuses a proof without alg', ['N30', 'RS-DPOP-06'], 'ERR_FAPI_DPOP_ALG', (k) =>
    withProof(k, { header: { alg: undefined }, signingAlg: 'ES256' }),
  ),
  proofCase('refuses a proof signed with HS256', ['N31', 'RS-DPOP-06'], 'ERR_FAPI_DPOP_ALG', (k) =>
    withProof(k, { header: { alg: 'HS256' }, signWith: 'secret-secret-secret-secret-32b!' }),
  ),
  proofCase('refuses a proof jwk of kty oct', ['N31', 'RS-DPOP-07'], 'ERR_FAPI_DPOP_JWK', (k) =>
    withProof(k, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } }),
  ),
  proofCase(
    'refuses a proof signed RS256 with an RSA key',
    ['N32', 'RS-DPOP-06'],
    'ERR_FAPI_DPOP_ALG',
    async (k) =>
      k.dpopRequest({
        token: await k.dpopToken({ cnf: { jkt: k.rsaDpopKey.jkt } }),
        proof: { key: k.rsaDpopKey },
      }),
  ),
  proofCase('refuses a proof without jwk', ['N33', 'RS-DPOP-07'], 'ERR_FAPI_DPOP_JWK', (k) =>
    withProof(k, { header: { jwk: undefined } }),
  ),
  proofCase(
    'refuses a proof whose jwk carries the private key',
    ['N33', 'RS-DPOP-07'],
    'ERR_FAPI_DPOP_JWK',
    (k) => withProof(k, { header: { jwk: k.dpopKey.privateJwk } }),
  ),
  proofCase(
    'refuses a proof with one signature bit flipped',
    ['N34', 'RS-DPOP-07'],
    'ERR_FAPI_DPOP_SIGNATURE',
    async (k) => {
      const token = await k.dpopToken();
      return get('/accounts', {
        authorization: `DPoP ${token}`,
        dpop: tamperSignature(await k.proof({ token })),
      });
    },
  ),
  proofCase(
    'refuses a proof signed by a key other than its jwk',
    ['N34', 'RS-DPOP-07'],
    'ERR_FAPI_DPOP_SIGNATURE',
    (k) => withProof(k, { signWith: k.otherDpopKey }),
  ),
  ...(['jti', 'htm', 'htu', 'iat'] as const).map((claim) =>
    proofCase(
      `refuses a proof without ${claim}`,
      ['N35', 'RS-DPOP-04'],
      'ERR_FAPI_DPOP_CLAIM_INVALID',
      (k) => withProof(k, { claims: { [claim]: undefined } }),
    ),
  ),
  proofCase(
    'refuses a proof with htm PUT on a GET',
    ['N36', 'RS-DPOP-08'],
    'ERR_FAPI_DPOP_HTM_MISMATCH',
    (k) => withProof(k, { htm: 'PUT' }),
  ),
  proofCase(
    'refuses a proof with htm in lower case',
    ['N36', 'RS-DPOP-08'],
    'ERR_FAPI_DPOP_HTM_MISMATCH',
    (k) => withProof(k, { htm: 'get' }),
  ),
  ...[
    ['https://api.bank.test/payments', 'a different path'],
    ['https://evil.test/accounts', 'a different host'],
    ['http://api.bank.test/accounts', 'the http scheme'],
    ['https://api.bank.test:8443/accounts', 'a different port'],
  ].map(([htu, what]) =>
    proofCase(
      `refuses a proof whose htu has ${what}`,
      ['N37', 'RS-DPOP-09'],
      'ERR_FAPI_DPOP_HTU_MISMATCH',
      (k) => withProof(k, { htu }),
    ),
  ),
  ...['https://api.bank.test/Accounts', 'https://api.bank.test/x/../accounts'].map((htu) =>
    proofCase(
      `refuses a proof with htu ${htu}: the path stays case- and dot-segment-sensitive`,
      ['N38', 'RS-DPOP-09'],
      'ERR_FAPI_DPOP_HTU_MISMATCH',
      (k) => withProof(k, { htu }),
    ),
  ),
  proofCase(
    'refuses a proof an hour old',
    ['N39', 'RS-DPOP-11'],
    'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW',
    (k) => withProof(k, { iat: k.now - 3600 }),
  ),
  proofCase(
    'refuses a proof just past the 60 s + 10 s window',
    ['N39', 'RS-DPOP-11'],
    'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW',
    (k) => withProof(k, { iat: k.now - 71 }),
  ),
  proofCase(
    'refuses a proof an hour ahead',
    ['N40', 'RS-DPOP-11'],
    'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW',
    (k) => withProof(k, { iat: k.now + 3600 }),
  ),
  proofCase(
    'refuses a proof 11 s ahead',
    ['N40', 'RS-GEN-10'],
    'ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW',
    (k) => withProof(k, { iat: k.now + 11 }),
  ),
  proofCase(
    'refuses a replayed proof (the first use passed)',
    ['N41', 'RS-DPOP-14'],
    'ERR_FAPI_DPOP_REPLAY',
    async (k) => {
      const request = await k.dpopRequest();
      await step(k, request, 200);
      return request;
    },
  ),
  proofCase(
    'refuses a proof jti of 300 characters',
    ['N42', 'RS-DPOP-14'],
    'ERR_FAPI_DPOP_JTI_TOO_LONG',
    (k) => withProof(k, { jti: 'j'.repeat(300) }),
  ),
  proofCase(
    'refuses a proof without ath',
    ['N43', 'RS-DPOP-12'],
    'ERR_FAPI_DPOP_ATH_MISSING',
    (k) => withProof(k, { claims: { ath: undefined } }),
  ),
  proofCase(
    'refuses a proof whose ath is of another token',
    ['N44', 'RS-DPOP-12'],
    'ERR_FAPI_DPOP_ATH_MISMATCH',
    (k) => withProof(k, { accessToken: 'another-token' }),
  ),
  {
    name: 'refuses a proof whose key is not the token cnf.jkt',
    specIds: ['N45', 'RS-DPOP-13'],
    request: (k) => withProof(k, { key: k.otherDpopKey }),
    expect: { ...TOKEN, code: 'ERR_FAPI_DPOP_KEY_BINDING', scheme: 'DPoP' },
  },
  proofCase('refuses a proof whose exp passed', ['N49'], 'ERR_FAPI_DPOP_EXPIRED', (k) =>
    withProof(k, { claims: { exp: k.now - 30 } }),
  ),

  // Server nonces (RS-DPOP-10, RS-DPOP-17)
  {
    name: 'answers a proof without nonce with use_dpop_nonce and a DPoP-Nonce',
    specIds: ['N46', 'RS-DPOP-17'],
    server: 'nonce',
    request: (k) => k.dpopRequest(),
    expect: { ...NONCE, code: 'ERR_FAPI_DPOP_NONCE_REQUIRED' },
  },
  {
    name: 'answers an unknown nonce with use_dpop_nonce and a fresh DPoP-Nonce',
    specIds: ['N47', 'RS-DPOP-10'],
    server: 'nonce',
    request: (k) => withProof(k, { nonce: 'made-up' }),
    expect: { ...NONCE, code: 'ERR_FAPI_DPOP_NONCE_INVALID' },
  },
  {
    name: 'never passes a proof without nonce once nonces are on, even after a success',
    specIds: ['N48', 'RS-DPOP-10'],
    server: 'nonce',
    request: async (k) => {
      const { 'dpop-nonce': nonce } = await step(k, await k.dpopRequest(), 401);
      await step(k, await withProof(k, { nonce: nonce as string }), 200);
      return k.dpopRequest();
    },
    expect: { ...NONCE, code: 'ERR_FAPI_DPOP_NONCE_REQUIRED' },
  },
  {
    name: 'answers an hour-old proof without nonce with use_dpop_nonce when nonces are on',
    specIds: ['N39', 'RS-DPOP-11'],
    server: 'nonce',
    request: (k) => withProof(k, { iat: k.now - 3600 }),
    expect: NONCE,
  },
];
