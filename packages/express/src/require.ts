import {
  assertRequirements,
  assertScopes,
  mergeRequirements,
  type Requirements,
} from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { accept, guardNotMounted, reject } from './respond.js';
import { authorizationOf, guardStateOf } from './state.js';

/**
 * Route middleware adding requirements to the request `fapiGuard()` verified. Chain further
 * requirements onto it: `requireScopes('payments').dpopBound()`.
 */
export interface FapiRequirementHandler extends RequestHandler {
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
 * Requires the token to grant every one of `scopes` (none: any valid token), on top of what
 * `fapiGuard()` verified. The request is verified once: by the guard, or by the first helper
 * when the guard let a public path through (a helper always demands a token). Each helper then
 * checks its requirements against that principal (core's `authorize`), never verifying the
 * token or the DPoP proof again, so separate helpers compose. On success the principal is on
 * `req.fapi`; a rejection is answered like the guard's (403 `insufficient_scope` here), or
 * passed to `next(fapiError)` with `forwardErrors`.
 *
 * Without `fapiGuard()` before it on the request, the helper answers 500 with
 * `ERR_FAPI_GUARD_NOT_MOUNTED` (Express cannot tell at registration, so this is found at
 * request time). Scopes are checked here: a non-token scope throws a TypeError.
 *
 * @example
 * ```ts
 * app.get('/accounts', requireScopes('accounts'), (req, res) => res.json({ sub: req.fapi?.subject }));
 * app.post('/payments', requireScopes('payments').dpopBound(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): FapiRequirementHandler {
  return requirementHandler('requireScopes', {
    scopes: assertScopes('requireScopes', scopes, 0),
  });
}

/**
 * Requires a valid access token granting at least one of `scopes` (see {@link requireScopes}
 * for how requests are verified).
 *
 * @example
 * ```ts
 * app.get('/reports', requireAnyScope('admin', 'accounts'), listReports);
 * ```
 */
export function requireAnyScope(...scopes: string[]): FapiRequirementHandler {
  return requirementHandler('requireAnyScope', {
    anyScope: assertScopes('requireAnyScope', scopes, 1),
  });
}

/**
 * Requires a DPoP-bound access token (RFC 9449): an mTLS-bound one is refused with 401
 * `invalid_token`. See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * app.post('/payments', dpopBound().requireScopes('payments'), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export function dpopBound(): FapiRequirementHandler {
  return requirementHandler('dpopBound', { binding: 'dpop' });
}

/**
 * Requires a certificate-bound access token (RFC 8705) presented over the mTLS connection (or
 * by a trusted proxy in `Client-Cert`). See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * https.createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: false }, app);
 * app.get('/statements', mtlsBound(), listStatements);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function mtlsBound(): FapiRequirementHandler {
  return requirementHandler('mtlsBound', { binding: 'mtls' });
}

function requirementHandler(name: string, requirements: Requirements): FapiRequirementHandler {
  assertRequirements(name, requirements);
  const handler = function fapiRequirement(req: Request, res: Response, next: NextFunction): void {
    const state = guardStateOf(req);
    if (!state) {
      guardNotMounted(res, next);
      return;
    }
    authorizationOf(req, state)
      .require(requirements)
      .then(
        (principal) => {
          accept(req, res, principal);
          next();
        },
        (error: unknown) => reject(error, res, next, state.forwardErrors),
      );
  };
  const chain = (more: Requirements) =>
    requirementHandler(name, mergeRequirements(requirements, more));
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
