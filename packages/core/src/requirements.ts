import type { AccessTokenClaims } from './access-token/claims.js';
import {
  assertAuthorizationDetailsRequirement,
  type AuthorizationDetailsRequirement,
} from './authorization-details.js';
import { FapiError } from './errors.js';
import { misconfigured } from './rejection.js';

/**
 * What a route needs of the caller, beyond a valid sender-constrained access token. Every key is
 * checked: an unknown key is a set-up error (a TypeError naming it), never a skipped check.
 *
 * @example
 * await rs.verify(request, { scopes: ['payments'], binding: 'dpop' });
 */
export interface Requirements {
  /** Every one of these scopes. */
  scopes?: readonly string[];
  /** At least one of these scopes. */
  anyScope?: readonly string[];
  /** The token must be bound this way. */
  binding?: 'dpop' | 'mtls';
  /**
   * An element of the token's `authorization_details` must cover the request (RFC 9396 §9); for
   * a list, covering any one is enough. The covering elements become the principal's
   * `authorizationDetails`.
   */
  authorizationDetails?:
    AuthorizationDetailsRequirement | readonly AuthorizationDetailsRequirement[];
  /** The token's `acr` must be one of these (RFC 9470). */
  acrValues?: readonly string[];
  /** The user authenticated at most this many seconds ago (`auth_time`, RFC 9470). */
  maxAge?: number;
  /** Any other rule on the token's claims; false answers 403 `insufficient_scope`. */
  claims?: (claims: AccessTokenClaims) => boolean;
  /**
   * An HTTP message signature of the requesting client (RFC 9421, FAPI 2.0 HTTP Signatures):
   * `required` refuses an unsigned request, `optional` verifies one when present. Needs the
   * `httpSignatures` option; checked after the token and its binding.
   */
  signedRequest?: 'required' | 'optional';
}

/**
 * The requirement keys core knows; anything else is refused by {@link assertRequirements}.
 *
 * @example
 * REQUIREMENT_KEYS; // ['scopes', 'anyScope', 'binding', …, 'claims', 'signedRequest']
 */
export const REQUIREMENT_KEYS: readonly (keyof Requirements)[] = [
  'scopes',
  'anyScope',
  'binding',
  'authorizationDetails',
  'acrValues',
  'maxAge',
  'claims',
  'signedRequest',
];

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Requirement objects already checked (adapters check theirs once, at set-up). */
const checked = new WeakSet<object>();

/**
 * Checks route scope declarations once, at set-up: each a scope token (RFC 6749 §3.3), at least
 * `min` of them. Throws a TypeError naming `helper`.
 *
 * @example
 * assertScopes('requireScopes', ['accounts', 'payments']); // ok
 * assertScopes('requireScopes', ['a b']); // TypeError: "a b" is not a scope token
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function assertScopes(helper: string, scopes: readonly unknown[], min = 0): string[] {
  if (!Array.isArray(scopes)) throw new TypeError(`${helper}: scopes must be an array`);
  if (scopes.length < min) throw new TypeError(`${helper}: name at least ${min} scope`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`${helper}: "${String(scope)}" is not a scope token (RFC 6749 §3.3)`);
    }
  }
  return scopes as string[];
}

/**
 * Checks a requirements object at set-up: only known keys, each of the right shape. Throws a
 * TypeError naming `where` and the offending key, so a typo (`scope`, `acrValue`) or a feature
 * this version does not have fails loudly instead of turning a check off.
 *
 * @example
 * assertRequirements('requireScopes', { scopes: ['accounts'] }); // ok
 * assertRequirements('route /payments', { scope: ['payments'] }); // TypeError: unknown requirement "scope"
 */
export function assertRequirements(where: string, value: unknown): Requirements {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where}: requirements must be an object`);
  }
  if (checked.has(value)) return value as Requirements;
  const requirements = value as Record<string, unknown>;
  for (const key of Object.keys(requirements)) {
    if (!(REQUIREMENT_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(
        `${where}: unknown requirement "${key}" (known: ${REQUIREMENT_KEYS.join(', ')})`,
      );
    }
  }
  const { scopes, anyScope, binding } = requirements;
  if (scopes !== undefined) assertScopes(`${where}: scopes`, scopes as unknown[], 0);
  if (anyScope !== undefined) assertScopes(`${where}: anyScope`, anyScope as unknown[], 1);
  if (binding !== undefined && binding !== 'dpop' && binding !== 'mtls') {
    throw new TypeError(`${where}: binding must be 'dpop' or 'mtls'`);
  }
  const mode = requirements.signedRequest;
  if (mode !== undefined && mode !== 'required' && mode !== 'optional') {
    throw new TypeError(`${where}: signedRequest must be 'required' or 'optional'`);
  }
  assertConsentShapes(where, requirements);
  checked.add(value);
  return value as Requirements;
}

/** The shapes of the consent-level keys: authorization details, step-up, claims. */
function assertConsentShapes(where: string, requirements: Record<string, unknown>): void {
  const { authorizationDetails, acrValues, maxAge, claims } = requirements;
  if (authorizationDetails !== undefined) {
    assertAuthorizationDetailsRequirement(`${where}: authorizationDetails`, authorizationDetails);
  }
  if (
    acrValues !== undefined &&
    (!Array.isArray(acrValues) ||
      acrValues.length === 0 ||
      acrValues.some((value) => typeof value !== 'string' || !ACR_VALUE.test(value)))
  ) {
    throw new TypeError(`${where}: acrValues must be a non-empty array of acr values`);
  }
  if (maxAge !== undefined && (!Number.isSafeInteger(maxAge) || (maxAge as number) < 0)) {
    throw new TypeError(`${where}: maxAge must be a non-negative integer (seconds)`);
  }
  if (claims !== undefined && typeof claims !== 'function') {
    throw new TypeError(`${where}: claims must be a function`);
  }
}

/** An `acr` value the challenge can carry: no space (the list separator), no quote, no `\`. */
const ACR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Two route declarations combined into one: every scope of both, the one `anyScope` list, the
 * one binding, the one `authorizationDetails` requirement, the one `acrValues` list, the smaller
 * `maxAge`, both `claims` predicates and the stricter `signedRequest`. Throws a TypeError (a route set-up error) for two
 * different `anyScope` lists, two bindings, two `authorizationDetails` requirements or two
 * different `acrValues` lists: which one wins is not for a library to guess.
 *
 * @example
 * mergeRequirements({ scopes: ['accounts'] }, { binding: 'dpop' });
 * // { scopes: ['accounts'], binding: 'dpop' }
 */
export function mergeRequirements(a: Requirements, b: Requirements): Requirements {
  assertRequirements('mergeRequirements', a);
  assertRequirements('mergeRequirements', b);
  const scopes = [...new Set([...(a.scopes ?? []), ...(b.scopes ?? [])])];
  if (a.anyScope && b.anyScope && !sameSet(a.anyScope, b.anyScope)) {
    throw new TypeError('fapi-guard: a route can require only one anyScope list');
  }
  if (a.binding && b.binding && a.binding !== b.binding) {
    throw new TypeError('fapi-guard: a route cannot require both DPoP and mTLS binding');
  }
  if (a.authorizationDetails && b.authorizationDetails) {
    throw new TypeError(
      'fapi-guard: a route can require only one authorizationDetails requirement',
    );
  }
  if (a.acrValues && b.acrValues && !sameSet(a.acrValues, b.acrValues)) {
    throw new TypeError('fapi-guard: a route can require only one acrValues list');
  }
  const anyScope = a.anyScope ?? b.anyScope;
  const binding = a.binding ?? b.binding;
  const authorizationDetails = a.authorizationDetails ?? b.authorizationDetails;
  const acrValues = a.acrValues ?? b.acrValues;
  const maxAge =
    a.maxAge !== undefined && b.maxAge !== undefined
      ? Math.min(a.maxAge, b.maxAge)
      : (a.maxAge ?? b.maxAge);
  const claims = bothClaims(a.claims, b.claims);
  const signedRequest =
    a.signedRequest === 'required' || b.signedRequest === 'required'
      ? 'required'
      : (a.signedRequest ?? b.signedRequest);
  return assertRequirements('mergeRequirements', {
    ...(scopes.length > 0 ? { scopes } : {}),
    ...(anyScope ? { anyScope: [...anyScope] } : {}),
    ...(binding ? { binding } : {}),
    ...(authorizationDetails ? { authorizationDetails } : {}),
    ...(acrValues ? { acrValues: [...acrValues] } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
    ...(claims ? { claims } : {}),
    ...(signedRequest ? { signedRequest } : {}),
  });
}

function bothClaims(a: Requirements['claims'], b: Requirements['claims']): Requirements['claims'] {
  if (!a || !b) return a ?? b;
  return (claims) => {
    const first = a(claims);
    // A non-boolean answer is passed on as is, for the check to refuse it.
    return first === true ? b(claims) : first;
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
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

/** The route's binding requirement against the token's binding (RFC 8705 / RFC 9449 routes). */
export function checkBinding(
  binding: 'dpop' | 'mtls' | 'bearer',
  requirements: Requirements,
): void {
  if (requirements.binding && requirements.binding !== binding) {
    throw new FapiError('ERR_FAPI_BINDING_REQUIRED');
  }
}

/** Requirements of an unknown key or shape never pass: a misconfiguration, not a skipped check. */
export function checkRequirementsShape(requirements: Requirements): void {
  try {
    assertRequirements('requirements', requirements);
  } catch (cause) {
    throw misconfigured(cause);
  }
}
