import { FapiError } from './errors.js';

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
}

/**
 * The requirement keys core knows; anything else is refused by {@link assertRequirements}.
 *
 * @example
 * REQUIREMENT_KEYS; // ['scopes', 'anyScope', 'binding']
 */
export const REQUIREMENT_KEYS: readonly (keyof Requirements)[] = ['scopes', 'anyScope', 'binding'];

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
  checked.add(value);
  return value as Requirements;
}

/**
 * Two route declarations combined into one: every scope of both, the one `anyScope` list, the
 * one binding. Throws a TypeError (a route set-up error) for two different `anyScope` lists or
 * two different bindings.
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
  const anyScope = a.anyScope ?? b.anyScope;
  const binding = a.binding ?? b.binding;
  return assertRequirements('mergeRequirements', {
    ...(scopes.length > 0 ? { scopes } : {}),
    ...(anyScope ? { anyScope: [...anyScope] } : {}),
    ...(binding ? { binding } : {}),
  });
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
