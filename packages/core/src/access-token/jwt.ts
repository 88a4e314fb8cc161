import { FapiError } from '../errors.js';
import { describeKey, verifySignature, type JwsAlgorithm } from '../lib/crypto.js';
import { parseCompactJws } from '../lib/jws.js';
import type { KeyResolver } from './keys.js';
import type { AccessTokenClaims } from './claims.js';
import { checkAccessTokenClaims } from './claims.js';

/** What JWT access-token verification needs from the resource server's options. */
export interface JwtAccessTokenPolicy {
  /** Trusted issuers, each with its own keys (keys are pinned per issuer, RS-GEN-13). */
  issuers: ReadonlyMap<string, KeyResolver>;
  audiences: readonly string[];
  algorithms: ReadonlySet<string>;
  clockToleranceS: number;
  maxFutureS: number;
  maxTokenLength: number;
}

export interface VerifiedAccessToken {
  claims: AccessTokenClaims;
  issuer: string;
  /** The key resolver's generation at verification time (see KeyResolver.generation). */
  generation: number;
}

const MIN_RSA_BITS = 2048;

/**
 * Verifies an RFC 9068 JWT access token: `typ` is `at+jwt` (RS-JWT-01), the algorithm is in the
 * FAPI allowlist (RS-GEN-07), no unknown `crit` (RS-JWT-08), the issuer is trusted and its key
 * is found by kid and algorithm, never taken from the token header (RS-JWT-04), the key is large
 * enough (RS-GEN-08), the signature verifies, then the claims (RS-JWT-02/03/05/06).
 *
 * Does NOT check sender constraint (cnf), scopes or revocation: the resource server does.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyJwtAccessToken(
  token: string,
  policy: JwtAccessTokenPolicy,
  nowS: number,
): Promise<VerifiedAccessToken> {
  const jws = parseCompactJws(token, policy.maxTokenLength);
  if (!jws) throw new FapiError('ERR_FAPI_TOKEN_MALFORMED');
  const { header, payload } = jws;
  if (typeof header.typ !== 'string' || !/^(application\/)?at\+jwt$/i.test(header.typ)) {
    throw new FapiError('ERR_FAPI_TOKEN_TYPE');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !policy.algorithms.has(alg)) {
    throw new FapiError('ERR_FAPI_TOKEN_ALG');
  }
  if (header.crit !== undefined) throw new FapiError('ERR_FAPI_TOKEN_CRIT');
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new FapiError('ERR_FAPI_TOKEN_MALFORMED');
  }
  const issuer = payload.iss;
  const keys = typeof issuer === 'string' ? policy.issuers.get(issuer) : undefined;
  if (!keys || typeof issuer !== 'string') throw new FapiError('ERR_FAPI_TOKEN_ISSUER');

  const generation = keys.generation;
  const key = await keys.getKey({ alg, kid: header.kid });
  const described = describeKey(key);
  if (described.modulusLength !== undefined && described.modulusLength < MIN_RSA_BITS) {
    throw new FapiError('ERR_FAPI_TOKEN_KEY_TOO_SMALL');
  }
  if (!verifySignature(alg as JwsAlgorithm, key, jws.signingInput, jws.signature)) {
    throw new FapiError('ERR_FAPI_TOKEN_SIGNATURE');
  }
  const claims = checkAccessTokenClaims(payload, policy, nowS);
  return { claims, issuer, generation };
}

/** Three dot-separated parts: JWT validation; anything else is an opaque token. */
export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}
