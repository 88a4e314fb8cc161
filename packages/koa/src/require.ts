import {
  assertRequirements,
  assertScopes,
  mergeRequirements,
  type Principal,
  type Requirements,
} from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';
import { accept, guardNotMounted, reject } from './respond.js';
import { authorizationOf, guardStateOf } from './state.js';

/**
 * Koa middleware adding requirements to the request `fapiGuard()` verified. Chain further
 * requirements onto it: `requireScopes('payments').dpopBound()`.
 */
export interface FapiRequirementMiddleware {
  (ctx: ParameterizedContext, next: Next): Promise<void>;
  /** What the chain requires, as checked by core's `authorize`. */
  readonly requirements: Requirements;
  /** Adds: the token grants every one of `scopes`. */
  requireScopes(...scopes: string[]): FapiRequirementMiddleware;
  /** Adds: the token grants at least one of `scopes`. */
  requireAnyScope(...scopes: string[]): FapiRequirementMiddleware;
  /** Adds: the token is DPoP-bound (RFC 9449). */
  dpopBound(): FapiRequirementMiddleware;
  /** Adds: the token is certificate-bound (RFC 8705). */
  mtlsBound(): FapiRequirementMiddleware;
}

/**
 * Requires the token to grant every one of `scopes` (none: any valid token), on top of what
 * `fapiGuard()` verified. The request is verified once: by the guard, or by the first helper
 * when the guard let a public path through (a helper always demands a token). Each helper then
 * checks its requirements against that principal (core's `authorize`), never verifying the
 * token or the DPoP proof again, so separate helpers compose. On success the principal is on
 * `ctx.state.fapi`; a rejection is answered like the guard's (403 `insufficient_scope` here),
 * or thrown with `forwardErrors`.
 *
 * Without `fapiGuard()` before it on the request, the helper answers 500 with
 * `ERR_FAPI_GUARD_NOT_MOUNTED` (Koa cannot tell at registration, so this is found at request
 * time). Scopes are checked here: a non-token scope throws a TypeError.
 *
 * @example
 * ```ts
 * router.get('/accounts', requireScopes('accounts'), (ctx) => { ctx.body = ctx.state.fapi?.subject; });
 * router.post('/payments', requireScopes('payments').dpopBound(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): FapiRequirementMiddleware {
  return requirementMiddleware('requireScopes', {
    scopes: assertScopes('requireScopes', scopes, 0),
  });
}

/**
 * Requires a valid access token granting at least one of `scopes` (see {@link requireScopes}
 * for how requests are verified).
 *
 * @example
 * ```ts
 * router.get('/reports', requireAnyScope('admin', 'accounts'), listReports);
 * ```
 */
export function requireAnyScope(...scopes: string[]): FapiRequirementMiddleware {
  return requirementMiddleware('requireAnyScope', {
    anyScope: assertScopes('requireAnyScope', scopes, 1),
  });
}

/**
 * Requires a DPoP-bound access token (RFC 9449): an mTLS-bound one is refused with 401
 * `invalid_token`. See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * router.post('/payments', dpopBound().requireScopes('payments'), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export function dpopBound(): FapiRequirementMiddleware {
  return requirementMiddleware('dpopBound', { binding: 'dpop' });
}

/**
 * Requires a certificate-bound access token (RFC 8705) presented over the mTLS connection (or
 * by a trusted proxy in `Client-Cert`). See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * https.createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: false }, app.callback());
 * router.get('/statements', mtlsBound(), listStatements);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function mtlsBound(): FapiRequirementMiddleware {
  return requirementMiddleware('mtlsBound', { binding: 'mtls' });
}

function requirementMiddleware(
  name: string,
  requirements: Requirements,
): FapiRequirementMiddleware {
  assertRequirements(name, requirements);
  const middleware = async function fapiRequirement(
    ctx: ParameterizedContext,
    next: Next,
  ): Promise<void> {
    const state = guardStateOf(ctx);
    if (!state) {
      guardNotMounted(ctx);
      return;
    }
    let principal: Principal;
    try {
      principal = await authorizationOf(ctx, state).require(requirements);
    } catch (error) {
      reject(ctx, error, state.forwardErrors);
      return;
    }
    accept(ctx, principal);
    await next();
  };
  Object.defineProperty(middleware, 'name', { value: name });
  const chain = (more: Requirements) =>
    requirementMiddleware(name, mergeRequirements(requirements, more));
  return Object.assign(middleware, {
    requirements,
    requireScopes: (...scopes: string[]) =>
      chain({ scopes: assertScopes('requireScopes', scopes, 0) }),
    requireAnyScope: (...scopes: string[]) =>
      chain({ anyScope: assertScopes('requireAnyScope', scopes, 1) }),
    dpopBound: () => chain({ binding: 'dpop' }),
    mtlsBound: () => chain({ binding: 'mtls' }),
  });
}
