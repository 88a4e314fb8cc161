import {
  assertRequirements,
  assertScopes,
  FapiError,
  isFapiError,
  mergeRequirements,
  type Requirements,
} from '@fapi-guard/core';
import { fapiErrorResponse } from '@fapi-guard/fetch';
import type { MiddlewareHandler } from 'hono';
import { accept } from './guard.js';
import { authorizationOf, guardStateOf } from './state.js';

/**
 * Route middleware adding requirements to the request `fapiGuard()` verified. Chain further
 * requirements onto it: `requireScopes('payments').dpopBound()`.
 */
export interface FapiRequirementHandler extends MiddlewareHandler {
  /** What the chain requires, as checked by core's `authorize`. */
  readonly requirements: Requirements;
  /** Adds: the token grants every one of `scopes`. */
  requireScopes(...scopes: string[]): FapiRequirementHandler;
  /** Adds: the token grants at least one of `scopes`. */
  requireAnyScope(...scopes: string[]): FapiRequirementHandler;
  /** Adds: the token is DPoP-bound (RFC 9449). */
  dpopBound(): FapiRequirementHandler;
  /** Adds: the token is certificate-bound (RFC 8705). */
  mtlsBound(): FapiRequirementHandler;
}

/**
 * Requires what a core requirement object states (`scopes`, `anyScope`, `binding`, and any
 * requirement core knows), passed to core unchanged. Checked here: an unknown key or a bad
 * shape throws a TypeError. The request is verified once: by the guard, or by the first helper
 * when the guard let a public path through (a helper always demands a token); each helper then
 * checks its requirements against that principal (core's `authorize`). On success the principal
 * is in `c.get('fapi')`; a rejection is answered like the guard's. Without `fapiGuard()` before
 * it, the helper answers 500 `ERR_FAPI_GUARD_NOT_MOUNTED`.
 *
 * @example
 * ```ts
 * app.post('/payments', requireFapi({ scopes: ['payments'], binding: 'dpop' }), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireFapi(requirements: Requirements): FapiRequirementHandler {
  return requirementHandler(assertRequirements('requireFapi', requirements));
}

/**
 * Requires the token to grant every one of `scopes` (none: any valid token). See
 * {@link requireFapi} for how requests are verified.
 *
 * @example
 * ```ts
 * app.get('/accounts', requireScopes('accounts'), (c) => c.json(c.get('fapi')?.scopes));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): FapiRequirementHandler {
  return requirementHandler({ scopes: assertScopes('requireScopes', scopes, 0) });
}

/**
 * Requires a token granting at least one of `scopes` (see {@link requireFapi}).
 *
 * @example
 * ```ts
 * app.get('/reports', requireAnyScope('admin', 'accounts'), listReports);
 * ```
 */
export function requireAnyScope(...scopes: string[]): FapiRequirementHandler {
  return requirementHandler({ anyScope: assertScopes('requireAnyScope', scopes, 1) });
}

/**
 * Requires a DPoP-bound access token (RFC 9449): an mTLS-bound one is refused with 401
 * `invalid_token`. See {@link requireFapi}.
 *
 * @example
 * ```ts
 * app.post('/payments', dpopBound().requireScopes('payments'), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export function dpopBound(): FapiRequirementHandler {
  return requirementHandler({ binding: 'dpop' });
}

/**
 * Requires a certificate-bound access token (RFC 8705), whose certificate a trusted proxy sent
 * in `Client-Cert` (Web runtimes expose no TLS client certificate). See {@link requireFapi}.
 *
 * @example
 * ```ts
 * app.get('/statements', mtlsBound(), listStatements);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function mtlsBound(): FapiRequirementHandler {
  return requirementHandler({ binding: 'mtls' });
}

function requirementHandler(requirements: Requirements): FapiRequirementHandler {
  const handler: MiddlewareHandler = async function fapiRequirement(c, next) {
    const state = guardStateOf(c);
    if (!state) return fapiErrorResponse(new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED'));
    try {
      // Core's requirement matchers get the request context here once core accepts one.
      const verified = c.get('fapi') !== undefined; // the guard already set the headers
      const principal = await (await authorizationOf(c, state)).require(requirements);
      if (verified) c.set('fapi', principal);
      else accept(c, principal);
    } catch (error) {
      if (isFapiError(error)) return fapiErrorResponse(error);
      throw error;
    }
    return next();
  };
  const chain = (more: Requirements) => requirementHandler(mergeRequirements(requirements, more));
  return Object.assign(handler, {
    requirements,
    requireScopes: (...scopes: string[]) =>
      chain({ scopes: assertScopes('requireScopes', scopes, 0) }),
    requireAnyScope: (...scopes: string[]) =>
      chain({ anyScope: assertScopes('requireAnyScope', scopes, 1) }),
    dpopBound: () => chain({ binding: 'dpop' }),
    mtlsBound: () => chain({ binding: 'mtls' }),
  });
}
