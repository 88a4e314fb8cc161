import type { Requirements } from '@fapi-guard/core';

/**
 * Route requirements combined: every scope of both, the one `anyScope` list, the one binding.
 * Throws a TypeError when they cannot be combined into one core `Requirements` (two different
 * `anyScope` lists, or two different bindings): a route set-up error, found when the chain is
 * built.
 */
export function mergeRequirements(a: Requirements, b: Requirements): Requirements {
  const scopes = [...new Set([...(a.scopes ?? []), ...(b.scopes ?? [])])];
  if (a.anyScope && b.anyScope && !sameSet(a.anyScope, b.anyScope)) {
    throw new TypeError('fapi-guard: a route can require only one requireAnyScope() list');
  }
  if (a.binding && b.binding && a.binding !== b.binding) {
    throw new TypeError('fapi-guard: a route cannot be both dpopBound() and mtlsBound()');
  }
  const anyScope = a.anyScope ?? b.anyScope;
  const binding = a.binding ?? b.binding;
  return {
    ...(scopes.length > 0 ? { scopes } : {}),
    ...(anyScope ? { anyScope: [...anyScope] } : {}),
    ...(binding ? { binding } : {}),
  };
}

/**
 * Whether a request verified with `verified` already meets `extra`: every scope of `extra` was
 * required, its `anyScope` list was required as is (or one of its scopes was required
 * outright), and its binding was required. Compares route declarations only, never a token.
 */
export function coversRequirements(verified: Requirements, extra: Requirements): boolean {
  const required = new Set(verified.scopes ?? []);
  const scopes = (extra.scopes ?? []).every((scope) => required.has(scope));
  const anyScope =
    !extra.anyScope ||
    extra.anyScope.some((scope) => required.has(scope)) ||
    (verified.anyScope !== undefined &&
      verified.anyScope.every((s) => extra.anyScope?.includes(s)));
  const binding = !extra.binding || extra.binding === verified.binding;
  return scopes && anyScope && binding;
}

/** `requireScopes('a').dpopBound()`-style text for error messages. */
export function describeRequirements(requirements: Requirements): string {
  const parts: string[] = [];
  if (requirements.scopes) parts.push(`requireScopes(${quoted(requirements.scopes)})`);
  if (requirements.anyScope) parts.push(`requireAnyScope(${quoted(requirements.anyScope)})`);
  if (requirements.binding) parts.push(`${requirements.binding}Bound()`);
  return parts.join('.') || 'requireScopes()';
}

function quoted(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(', ');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value) => b.includes(value));
}
