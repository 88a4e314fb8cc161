/** Reject vectors N11–N22: JWT access tokens (RS-JWT-*, RS-GEN-07/08). */
import type { MintAccessTokenOptions } from '../../authority.js';
import { tamperSignature, truncateSignature, unsignedJwt } from '../../jws.js';
import type { ConformanceCase, ConformanceKit, ConformanceRequest } from '../types.js';
import { bearer, TOKEN } from './shared.js';

/** An mTLS-bound token sent as Bearer: every failure here comes before the binding check. */
const bearerWith = async (
  k: ConformanceKit,
  mint: MintAccessTokenOptions,
): Promise<ConformanceRequest> => bearer(await k.mtlsToken(mint));

const rejected = (
  name: string,
  specIds: string[],
  code: NonNullable<ConformanceCase['expect']['code']>,
  request: (k: ConformanceKit) => Promise<ConformanceRequest>,
): ConformanceCase => ({
  name,
  specIds,
  request,
  expect: { ...TOKEN, code, scheme: 'Bearer' },
});

export const accessTokenCases: ConformanceCase[] = [
  rejected(
    'refuses an access token with alg none',
    ['N11', 'RS-GEN-07'],
    'ERR_FAPI_TOKEN_ALG',
    (k) =>
      Promise.resolve(
        bearer(
          unsignedJwt(
            { typ: 'at+jwt', alg: 'none' },
            {
              iss: k.issuer,
              aud: k.audience,
              sub: 'user-1',
              client_id: 'client-1',
              iat: k.now,
              exp: k.now + 300,
              jti: 'j1',
              cnf: { 'x5t#S256': k.certificate.x5tS256 },
            },
          ),
        ),
      ),
  ),
  rejected(
    'refuses HS256 keyed with the authorization server public key',
    ['N12', 'RS-JWT-04'],
    'ERR_FAPI_TOKEN_ALG',
    (k) =>
      bearerWith(k, {
        header: { alg: 'HS256' },
        signWith: k.authority
          .key('ES256')
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
      }),
  ),
  rejected(
    'refuses RS256 although the key is published',
    ['N13', 'RS-GEN-07'],
    'ERR_FAPI_TOKEN_ALG',
    (k) => bearerWith(k, { key: k.keys.rs256 }),
  ),
  rejected('refuses an ES384 signature', ['N13', 'RS-GEN-07'], 'ERR_FAPI_TOKEN_ALG', (k) =>
    bearerWith(k, { key: k.keys.es384 }),
  ),
  rejected(
    'refuses an access token with one signature bit flipped',
    ['N14', 'RS-GEN-03'],
    'ERR_FAPI_TOKEN_SIGNATURE',
    async (k) => bearer(tamperSignature(await k.mtlsToken())),
  ),
  rejected(
    'refuses an access token with a truncated signature',
    ['N14', 'RS-GEN-03'],
    'ERR_FAPI_TOKEN_SIGNATURE',
    async (k) => bearer(truncateSignature(await k.mtlsToken(), 3)),
  ),
  rejected('refuses an expired access token', ['N15', 'RS-JWT-05'], 'ERR_FAPI_TOKEN_EXPIRED', (k) =>
    bearerWith(k, { now: k.now - 400 }),
  ),
  rejected(
    'refuses an access token whose nbf is 61 s ahead',
    ['N16', 'RS-JWT-05'],
    'ERR_FAPI_TOKEN_NOT_YET_VALID',
    (k) => bearerWith(k, { claims: { nbf: k.now + 61 } }),
  ),
  rejected(
    'refuses an access token whose iat is 61 s ahead',
    ['N16', 'RS-GEN-10'],
    'ERR_FAPI_TOKEN_NOT_YET_VALID',
    (k) => bearerWith(k, { claims: { iat: k.now + 61 } }),
  ),
  rejected(
    'refuses the issuer of another authorization server',
    ['N17', 'RS-JWT-02'],
    'ERR_FAPI_TOKEN_ISSUER',
    (k) => bearerWith(k, { claims: { iss: 'https://evil.test' } }),
  ),
  rejected(
    'refuses the issuer with a trailing slash',
    ['N17', 'RS-JWT-02'],
    'ERR_FAPI_TOKEN_ISSUER',
    (k) => bearerWith(k, { claims: { iss: `${k.issuer}/` } }),
  ),
  rejected(
    'refuses an access token without aud',
    ['N18', 'RS-JWT-03'],
    'ERR_FAPI_TOKEN_AUDIENCE',
    (k) => bearerWith(k, { claims: { aud: undefined } }),
  ),
  rejected(
    'refuses the audience of another resource server',
    ['N18', 'RS-JWT-03'],
    'ERR_FAPI_TOKEN_AUDIENCE',
    (k) => bearerWith(k, { claims: { aud: ['https://other.test', `${k.audience}/`] } }),
  ),
  ...(
    [
      [undefined, 'without typ'],
      ['JWT', 'typed JWT (an ID token)'],
      ['dpop+jwt', 'typed dpop+jwt (a DPoP proof)'],
    ] as const
  ).map(([typ, what]) =>
    rejected(`refuses an access token ${what}`, ['N19', 'RS-JWT-01'], 'ERR_FAPI_TOKEN_TYPE', (k) =>
      bearerWith(k, { header: { typ } }),
    ),
  ),
  rejected('refuses an unknown kid', ['N20', 'RS-JWT-09'], 'ERR_FAPI_TOKEN_KEY_NOT_FOUND', (k) =>
    bearerWith(k, { header: { kid: 'no-such-key' } }),
  ),
  rejected(
    'refuses the kid of a key of another algorithm',
    ['N20', 'RS-GEN-09'],
    'ERR_FAPI_TOKEN_KEY_NOT_FOUND',
    (k) => bearerWith(k, { alg: 'ES256', header: { kid: k.authority.key('PS256').kid } }),
  ),
  rejected(
    "never verifies with the attacker's jwk from the token header",
    ['N21', 'RS-JWT-04'],
    'ERR_FAPI_TOKEN_SIGNATURE',
    (k) =>
      bearerWith(k, {
        key: k.keys.attacker,
        header: { kid: k.authority.key('ES256').kid, jwk: k.keys.attacker.publicJwk },
      }),
  ),
  rejected(
    "never fetches the attacker's jku from the token header",
    ['N21', 'RS-JWT-04'],
    'ERR_FAPI_TOKEN_SIGNATURE',
    (k) =>
      bearerWith(k, {
        key: k.keys.attacker,
        header: { kid: k.authority.key('ES256').kid, jku: 'https://evil.test/jwks' },
      }),
  ),
  ...(['sub', 'client_id', 'jti', 'iat', 'exp'] as const).map((claim) =>
    rejected(
      `refuses an access token without ${claim}`,
      ['N22', 'RS-JWT-06'],
      'ERR_FAPI_TOKEN_CLAIM_INVALID',
      (k) => bearerWith(k, { claims: { [claim]: undefined } }),
    ),
  ),
  rejected(
    'refuses an unknown crit header parameter',
    ['N22', 'RS-JWT-08'],
    'ERR_FAPI_TOKEN_CRIT',
    (k) => bearerWith(k, { header: { crit: ['exp-ext'], 'exp-ext': 1 } }),
  ),
];
