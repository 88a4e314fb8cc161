/**
 * The consent-level checks of a route, after the token, its binding and the scopes: what the
 * user consented to (authorization details), how the user authenticated (step-up), and any
 * other rule on the claims, in that order.
 */
import {
  checkAuthorizationDetails,
  validateAuthorizationDetailsClaim,
  type RequirementContext,
} from './authorization-details.js';
import { misconfigured } from './rejection.js';
import { pathOf, type ReadRequest } from './request.js';
import type { Requirements } from './requirements.js';
import { checkClaims, checkStepUp, validateStepUpClaims } from './step-up.js';
import type { Principal } from './types.js';

/** What the consent checks need of the resource server's configuration. */
export interface ConsentPolicy {
  /** This resource server's identifiers, which `locations` must name (the configured audiences). */
  resources: readonly string[];
  clockToleranceS: number;
}

/** Whether `requirements` asks for anything the consent checks decide. */
export function hasConsentRequirements(requirements: Requirements): boolean {
  return (
    requirements.authorizationDetails !== undefined ||
    requirements.acrValues !== undefined ||
    requirements.maxAge !== undefined ||
    requirements.claims !== undefined
  );
}

/**
 * Checks the consent-level requirements against `principal`. Returns `principal` itself when
 * no authorization details were required, else a new principal whose `authorizationDetails` are
 * the covering elements (the shared one is never changed).
 */
export function checkConsent(
  principal: Principal,
  requirements: Requirements,
  context: RequirementContext,
  policy: ConsentPolicy,
  nowMs: number,
): Principal {
  let result = principal;
  if (requirements.authorizationDetails !== undefined) {
    const matched = checkAuthorizationDetails(
      principal.claims.authorization_details,
      requirements.authorizationDetails,
      context,
      policy.resources,
    );
    result = { ...principal, authorizationDetails: matched };
  }
  if (requirements.acrValues !== undefined || requirements.maxAge !== undefined) {
    checkStepUp(principal.claims, requirements, nowMs / 1000, policy.clockToleranceS);
  }
  if (requirements.claims) checkClaims(principal.claims, requirements.claims);
  return result;
}

/**
 * The context `verify` alone can give a matcher: method, path and query of the request, its
 * parsed body, and no path parameters (only the framework knows those).
 */
export function contextOf(read: Pick<ReadRequest, 'method' | 'url' | 'body'>): RequirementContext {
  const queryAt = read.url.indexOf('?');
  const search = queryAt === -1 ? '' : read.url.slice(queryAt + 1).split('#', 1)[0];
  return {
    method: read.method,
    path: pathOf(read.url),
    params: {},
    // Most requests a matcher sees have no query: no URLSearchParams for them.
    query: search === '' ? {} : Object.fromEntries(new URLSearchParams(search)),
    body: read.body,
  };
}

/**
 * The context `authorize` uses when it is given none: a matcher cannot run without one (a
 * set-up mistake, never a pass); other requirements need none.
 */
export function noContext(requirements: Requirements): RequirementContext {
  const required = requirements.authorizationDetails;
  const list = Array.isArray(required) ? required : required ? [required] : [];
  if (list.some((requirement: { match?: unknown }) => requirement.match !== undefined)) {
    throw misconfigured(new TypeError('authorize: a match requirement needs the request context'));
  }
  return { method: '', path: '', params: {}, query: {}, body: undefined };
}

/**
 * RS-RAR-01, RS-STEP-03: consent claims are checked with the token (before it is cached),
 * whether a route needs them or not.
 */
export function validateConsentClaims(claims: Record<string, unknown>): void {
  validateAuthorizationDetailsClaim(claims.authorization_details);
  validateStepUpClaims(claims);
}
