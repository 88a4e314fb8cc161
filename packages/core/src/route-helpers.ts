/**
 * What each adapter route helper (`requireScopes`, `requireAcr`, …) adds to a route, built and
 * checked once, at set-up: the argument rules live here, the adapters only wrap them in their
 * framework's middleware type and chain them.
 */
import type { AccessTokenClaims } from './access-token/claims.js';
import type { AuthorizationDetailsRequirement } from './authorization-details.js';
import {
  assertRequirements,
  assertScopes,
  mergeRequirements,
  type Requirements,
} from './requirements.js';
import type { SignedRequestMode } from './signatures.js';

/**
 * Options of the `requireAcr` helpers.
 *
 * @example
 * requireAcr(['urn:fapi-guard:acr:strong'], { maxAge: 300 });
 */
export interface AcrOptions {
  /** The user authenticated at most this many seconds ago (`auth_time`). */
  maxAge?: number;
}

function acr(values: readonly string[], options: AcrOptions = {}): Requirements {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('requireAcr: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'maxAge')
      throw new TypeError(`requireAcr: unknown option "${key}" (known: maxAge)`);
  }
  return { acrValues: values, ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}) };
}

/**
 * The requirement each route helper stands for; each throws a TypeError naming the helper for a
 * bad argument.
 *
 * @example
 * HELPER_REQUIREMENTS.requireAcr(['urn:bank:acr:strong'], { maxAge: 300 });
 * // { acrValues: ['urn:bank:acr:strong'], maxAge: 300 }
 */
export const HELPER_REQUIREMENTS = {
  requireScopes: (...scopes: string[]): Requirements =>
    assertRequirements('requireScopes', { scopes: assertScopes('requireScopes', scopes, 0) }),
  requireAnyScope: (...scopes: string[]): Requirements =>
    assertRequirements('requireAnyScope', { anyScope: assertScopes('requireAnyScope', scopes, 1) }),
  dpopBound: (): Requirements => ({ binding: 'dpop' }),
  mtlsBound: (): Requirements => ({ binding: 'mtls' }),
  requireAuthorizationDetails: (...list: AuthorizationDetailsRequirement[]): Requirements =>
    assertRequirements('requireAuthorizationDetails', {
      authorizationDetails: list.length === 1 ? (list[0] as AuthorizationDetailsRequirement) : list,
    }),
  requireAcr: (values: readonly string[], options?: AcrOptions): Requirements =>
    assertRequirements('requireAcr', acr(values, options)),
  requireClaims: (predicate: (claims: AccessTokenClaims) => boolean): Requirements =>
    assertRequirements('requireClaims', { claims: predicate }),
  requireSignedRequest: (mode: SignedRequestMode = 'required'): Requirements =>
    assertRequirements('requireSignedRequest', { signedRequest: mode }),
};

/** The name of a route helper. */
export type RouteHelperName = keyof typeof HELPER_REQUIREMENTS;

/** Every route helper as a method returning `T`, for chains like `requireScopes('a').dpopBound()`. */
export type RequirementChain<T> = {
  [K in RouteHelperName]: (...args: Parameters<(typeof HELPER_REQUIREMENTS)[K]>) => T;
};

/**
 * The chain methods of an adapter's route helper: each merges its requirement into
 * `requirements` (with `mergeRequirements`) and hands the result to `make`.
 *
 * @example
 * Object.assign(handler, { requirements, ...requirementChain(requirements, routeHandler) });
 */
export function requirementChain<T>(
  requirements: Requirements,
  make: (requirements: Requirements) => T,
): RequirementChain<T> {
  const chain: Partial<Record<RouteHelperName, (...args: never[]) => T>> = {};
  for (const name of Object.keys(HELPER_REQUIREMENTS) as RouteHelperName[]) {
    const helper = HELPER_REQUIREMENTS[name] as (...args: never[]) => Requirements;
    chain[name] = (...args) => make(mergeRequirements(requirements, helper(...args)));
  }
  return chain as RequirementChain<T>;
}
