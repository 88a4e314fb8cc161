import { FapiError } from './errors.js';

/** What a route needs of the token. */
export interface Requirements {
  /** Every one of these scopes. */
  scopes?: readonly string[];
  /** At least one of these scopes. */
  anyScope?: readonly string[];
  /** The token must be bound this way. */
  binding?: 'dpop' | 'mtls';
}

/**
 * Checks the granted scopes against a route's needs (RS-GEN-04): all of `scopes` and, when
 * given, one of `anyScope`. Fails with 403 `insufficient_scope` naming the scopes needed.
 */
export function checkScopes(granted: readonly string[], requirements: Requirements): void {
  const { scopes = [], anyScope = [] } = requirements;
  const missing = scopes.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    throw new FapiError('ERR_FAPI_INSUFFICIENT_SCOPE', { scope: scopes });
  }
  if (anyScope.length > 0 && !anyScope.some((scope) => granted.includes(scope))) {
    throw new FapiError('ERR_FAPI_INSUFFICIENT_SCOPE', { scope: anyScope });
  }
}
