/**
 * Step-up authentication at the resource server (RFC 9470): a route's `acrValues` and `maxAge`
 * against the token's `acr` and `auth_time` (RS-STEP-01..04), and the `claims` predicate for any
 * other rule on the token's claims.
 */
import type { AccessTokenClaims } from './access-token/claims.js';
import { FapiError } from './errors.js';
import { misconfigured } from './rejection.js';

/** What a route may require of the user's authentication. */
export interface StepUpRequirement {
  acrValues?: readonly string[] | undefined;
  maxAge?: number | undefined;
}

/**
 * A present `acr` must be a string and a present `auth_time` a number (RFC 9068 §2.2.1);
 * anything else makes the token invalid (401 `invalid_token`).
 */
export function validateStepUpClaims(claims: Record<string, unknown>): void {
  const { acr, auth_time: authTime } = claims;
  if (
    (acr !== undefined && typeof acr !== 'string') ||
    (authTime !== undefined && (typeof authTime !== 'number' || !Number.isFinite(authTime)))
  ) {
    throw new FapiError('ERR_FAPI_TOKEN_CLAIM_INVALID');
  }
}

/**
 * RS-STEP-01..03: the token's `acr` is one of `acrValues` and its `auth_time` at most `maxAge`
 * seconds before now (the clock tolerance applies). A missing claim never passes. Fails with
 * 401 `insufficient_user_authentication`, the challenge naming what the route needs.
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function checkStepUp(
  claims: AccessTokenClaims,
  requirement: StepUpRequirement,
  nowS: number,
  clockToleranceS: number,
): void {
  const { acrValues, maxAge } = requirement;
  const options = { acrValues, maxAge };
  if (acrValues && !(typeof claims.acr === 'string' && acrValues.includes(claims.acr))) {
    throw new FapiError('ERR_FAPI_ACR_INSUFFICIENT', options);
  }
  if (maxAge !== undefined) {
    // A clock that fails (NaN) must not make every authentication look recent.
    if (!Number.isFinite(nowS)) {
      throw misconfigured(new TypeError('clock must return milliseconds since the epoch'));
    }
    const authTime = claims.auth_time;
    if (typeof authTime !== 'number' || authTime + maxAge < nowS - clockToleranceS) {
      throw new FapiError('ERR_FAPI_AUTH_TIME_TOO_OLD', options);
    }
  }
}

/**
 * The route's `claims` predicate: false → 403 `insufficient_scope` (ERR_FAPI_CLAIMS_REQUIREMENT);
 * a predicate that throws or answers anything but a boolean is a set-up bug (500).
 */
export function checkClaims(
  claims: AccessTokenClaims,
  predicate: (claims: AccessTokenClaims) => boolean,
): void {
  let result: unknown;
  try {
    result = predicate(claims);
  } catch (cause) {
    throw misconfigured(cause);
  }
  if (typeof result !== 'boolean') {
    throw misconfigured(new TypeError('claims: the predicate must return a boolean'));
  }
  if (!result) throw new FapiError('ERR_FAPI_CLAIMS_REQUIREMENT');
}
