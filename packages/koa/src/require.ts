import { assertScopes, mergeRequirements, type Requirements } from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';
import { toRequestLike } from './request.js';
import { guardStateOf } from './state.js';

/**
 * Koa middleware that verifies the request once, with every requirement of its chain. Chain
 * further requirements onto it: `requireScopes('payments').dpopBound()`.
 */
export interface FapiRequirementMiddleware {
  (ctx: ParameterizedContext, next: Next): Promise<void>;
  /** What the chain requires, as passed to core's `verify`. */
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
 * Requires a valid, sender-constrained access token granting every one of `scopes` (none: any
 * valid token). Verifies the request with core, puts the principal on `ctx.state.fapi`, sets
 * `principal.responseHeaders` (`Cache-Control: no-store`, `x-fapi-interaction-id`, a rotated
 * `DPoP-Nonce`) and awaits `next()`; on rejection throws the FapiError, whose `status`,
 * `headers` and `expose` let Koa's own `onerror` answer it (or {@link fapiErrorHandler}, as JSON).
 *
 * A request is verified once, by the first middleware that runs, with every requirement chained
 * onto it (`requireScopes('payments').dpopBound()`). A later one on the same request checks its
 * own requirements against that principal (core's `authorize`) without verifying the token or
 * the DPoP proof again, so separate middleware compose too.
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
  const middleware = async function fapiRequirement(
    ctx: ParameterizedContext,
    next: Next,
  ): Promise<void> {
    const state = guardStateOf(ctx);
    if (!state) throw new TypeError('fapi-guard: app.use(fapiGuard(options)) must come first');
    if (state.principal) {
      // Verified by an earlier middleware: check these requirements only, never the proof again.
      state.resourceServer.authorize(state.principal, requirements);
      await next();
      return;
    }
    const principal = await state.resourceServer.verify(
      toRequestLike(ctx, state.trustProxy),
      requirements,
    );
    state.principal = principal;
    ctx.state.fapi = principal;
    ctx.set(principal.responseHeaders);
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
