import { FapiError } from '../errors.js';

/**
 * The claims of an RFC 9068 access token (or of an introspection response mapped to it).
 *
 * @example
 * const { sub, client_id, scope, cnf } = principal.claims;
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  cnf?: Record<string, unknown>;
  [claim: string]: unknown;
}

export interface ClaimsPolicy {
  audiences: readonly string[];
  clockToleranceS: number;
  /** How far in the future `iat`/`nbf` may be (SP 5.3.2.1: at most 60 s). */
  maxFutureS: number;
}

const isNumericDate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);
const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0;

/**
 * Applies the RFC 9068 §4 claim rules: required claims present and well-typed (RS-JWT-06),
 * audience contains this resource server (RS-JWT-03), `exp` in the future and `nbf`/`iat` not
 * too far ahead, with bounded leeway (RS-JWT-05). Issuer equality is checked by key selection.
 */
export function checkAccessTokenClaims(
  payload: Record<string, unknown>,
  policy: ClaimsPolicy,
  nowS: number,
): AccessTokenClaims {
  const { exp, iat, nbf, aud, cnf, scope } = payload;
  if (
    !isNumericDate(exp) ||
    !isNumericDate(iat) ||
    !isNonEmptyString(payload.sub) ||
    !isNonEmptyString(payload.client_id) ||
    !isNonEmptyString(payload.jti) ||
    !isNonEmptyString(payload.iss) ||
    (nbf !== undefined && !isNumericDate(nbf)) ||
    (scope !== undefined && typeof scope !== 'string') ||
    (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)))
  ) {
    throw new FapiError('ERR_FAPI_TOKEN_CLAIM_INVALID');
  }
  checkAudience(aud, policy.audiences);
  if (nowS - policy.clockToleranceS >= exp) throw new FapiError('ERR_FAPI_TOKEN_EXPIRED');
  if (iat > nowS + policy.maxFutureS) throw new FapiError('ERR_FAPI_TOKEN_NOT_YET_VALID');
  if (nbf !== undefined && (nbf as number) > nowS + policy.clockToleranceS) {
    throw new FapiError('ERR_FAPI_TOKEN_NOT_YET_VALID');
  }
  return payload as AccessTokenClaims;
}

/** `aud` (a string or an array of strings) must contain one of ours (RS-JWT-03). */
export function checkAudience(aud: unknown, audiences: readonly string[]): void {
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (!values || values.length === 0 || values.some((value) => typeof value !== 'string')) {
    throw new FapiError('ERR_FAPI_TOKEN_AUDIENCE');
  }
  if (!values.some((value) => audiences.includes(value as string))) {
    throw new FapiError('ERR_FAPI_TOKEN_AUDIENCE');
  }
}

/** Scopes granted by the token: the `scope` string, or an `scp` array some servers send. */
export function grantedScopes(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp))
    return claims.scp.filter((s): s is string => typeof s === 'string');
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean);
  return [];
}
