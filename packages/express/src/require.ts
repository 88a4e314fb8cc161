import {
  assertScopes,
  mergeRequirements,
  type Principal,
  type Requirements,
} from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toRequestLike } from './request.js';
import { guardStateOf } from './state.js';

/**
 * Route middleware that verifies the request once, with every requirement of its chain. Chain
 * further requirements onto it: `requireScopes('payments').dpopBound()`.
 */
export interface FapiRequirementHandler extends RequestHandler {
  /** What the chain requires, as passed to core's `verify`. */
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
 * Requires a valid, sender-constrained access token granting every one of `scopes` (none: any
 * valid token). Verifies the request with core, puts the principal on `req.fapi`, copies
 * `principal.responseHeaders` (`Cache-Control: no-store`, `x-fapi-interaction-id`, a rotated
 * `DPoP-Nonce`) to the response, and calls `next()`; on rejection calls `next(fapiError)`.
 *
 * A request is verified once, by the first helper that runs, with every requirement chained
 * onto it (`requireScopes('payments').dpopBound()`). A later helper on the same request checks
 * its own requirements against that principal (core's `authorize`) without verifying the token
 * or the DPoP proof again, so separate helpers compose too.
 *
 * @example
 * ```ts
 * app.get('/accounts', requireScopes('accounts'), (req, res) => res.json({ sub: req.fapi?.subject }));
 * app.post('/payments', requireScopes('payments').dpopBound(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireScopes(...scopes: string[]): FapiRequirementHandler {
  return requirementHandler({ scopes: assertScopes('requireScopes', scopes, 0) });
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
  return requirementHandler({ anyScope: assertScopes('requireAnyScope', scopes, 1) });
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
  return requirementHandler({ binding: 'dpop' });
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
  return requirementHandler({ binding: 'mtls' });
}

function requirementHandler(requirements: Requirements): FapiRequirementHandler {
  const handler = function fapiRequirement(req: Request, res: Response, next: NextFunction): void {
    const state = guardStateOf(req);
    if (!state) {
      next(new TypeError('fapi-guard: app.use(fapiGuard(options)) must come before this route'));
      return;
    }
    if (state.principal) {
      // Verified by an earlier helper: check this helper's requirements only, never the proof
      // again (it would be refused as a replay).
      try {
        state.resourceServer.authorize(state.principal, requirements);
      } catch (error) {
        next(error);
        return;
      }
      next();
      return;
    }
    state.resourceServer.verify(toRequestLike(req, state.trustProxy), requirements).then(
      (principal: Principal) => {
        state.principal = principal;
        req.fapi = principal;
        res.set(principal.responseHeaders);
        next();
      },
      (error: unknown) => next(error),
    );
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
