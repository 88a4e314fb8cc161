import {
  assertRequirements,
  HELPER_REQUIREMENTS,
  requirementChain,
  type AccessTokenClaims,
  type AcrOptions,
  type AuthorizationDetailsRequirement,
  type RequirementContext,
  type Requirements,
  type SignedRequestMode,
} from '@fapi-guard/core';

export type { AcrOptions } from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { acceptVerified, guardNotMounted } from './respond.js';
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
  /** Adds: an `authorization_details` element covers the request (see {@link requireAuthorizationDetails}). */
  requireAuthorizationDetails(
    ...requirements: AuthorizationDetailsRequirement[]
  ): FapiRequirementHandler;
  /** Adds: the user authenticated with one of `values` (see {@link requireAcr}). */
  requireAcr(values: readonly string[], options?: AcrOptions): FapiRequirementHandler;
  /** Adds: `predicate` holds for the token's claims (see {@link requireClaims}). */
  requireClaims(predicate: (claims: AccessTokenClaims) => boolean): FapiRequirementHandler;
  /** Adds: the request carries a valid HTTP message signature (see {@link requireSignedRequest}). */
  requireSignedRequest(mode?: SignedRequestMode): FapiRequirementHandler;
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
  return requirementHandler('requireScopes', HELPER_REQUIREMENTS.requireScopes(...scopes));
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
  return requirementHandler('requireAnyScope', HELPER_REQUIREMENTS.requireAnyScope(...scopes));
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
  return requirementHandler('dpopBound', HELPER_REQUIREMENTS.dpopBound());
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
  return requirementHandler('mtlsBound', HELPER_REQUIREMENTS.mtlsBound());
}

/**
 * Requires an element of the token's `authorization_details` (RFC 9396) to cover the request:
 * its `type`, its `locations` (when present) naming this resource server, every one of
 * `actions`, and `match(detail, request)` true, where `request` has `method`, `path` and
 * Express's `req.params`, `req.query` and `req.body` (mount a body parser before it). Several
 * requirements: any one covered is enough. The covering elements are on
 * `req.fapi.authorizationDetails`; otherwise 403 `insufficient_authorization_details`, without
 * request data in the challenge. See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * app.get(
 *   '/accounts/:accountId',
 *   requireAuthorizationDetails({
 *     type: 'account_access',
 *     actions: ['read_balances'],
 *     match: (detail, req) => (detail.accounts as string[]).includes(req.params.accountId as string),
 *   }),
 *   (req, res) => res.json({ consent: req.fapi?.authorizationDetails[0] }),
 * );
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9
 */
export function requireAuthorizationDetails(
  ...requirements: AuthorizationDetailsRequirement[]
): FapiRequirementHandler {
  return requirementHandler(
    'requireAuthorizationDetails',
    HELPER_REQUIREMENTS.requireAuthorizationDetails(...requirements),
  );
}

/**
 * Requires the user's authentication to be one of `values` (the token's `acr`) and, with
 * `maxAge`, at most that many seconds old (`auth_time`). Otherwise 401
 * `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge, so the
 * client can step up (RFC 9470). See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * app.post('/high-value-payments', requireAcr(['urn:fapi-guard:acr:strong'], { maxAge: 300 }), pay);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAcr(
  values: readonly string[],
  options?: AcrOptions,
): FapiRequirementHandler {
  return requirementHandler('requireAcr', HELPER_REQUIREMENTS.requireAcr(values, options));
}

/**
 * Requires `predicate` to hold for the token's claims (any rule the other helpers do not
 * express); false is 403 `insufficient_scope`, a predicate that throws is a 500.
 *
 * @example
 * ```ts
 * app.get('/corporate', requireClaims((claims) => claims.customer_type === 'business'), list);
 * ```
 */
export function requireClaims(
  predicate: (claims: AccessTokenClaims) => boolean,
): FapiRequirementHandler {
  return requirementHandler('requireClaims', HELPER_REQUIREMENTS.requireClaims(predicate));
}

/**
 * Requires an HTTP message signature (RFC 9421, FAPI 2.0 HTTP Signatures) by the token's client
 * over the request: `'required'` (default) refuses an unsigned request, `'optional'` verifies a
 * signature when one is present. Verified after the token and its binding, with the key
 * `httpSignatures.resolveClientKey` gives for the token's `client_id`; a failure is 401 with an
 * `ERR_FAPI_SIGNATURE_*` code. The evidence is on `req.fapi.signature`. A request with a body
 * needs its bytes: mount the body parsers with `verify: captureRawBody` (else 500
 * `ERR_FAPI_MISCONFIGURED`). See {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * app.use(express.json({ verify: captureRawBody }));
 * app.post('/payments', requireScopes('payments').requireSignedRequest(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 */
export function requireSignedRequest(mode?: SignedRequestMode): FapiRequirementHandler {
  return requirementHandler('requireSignedRequest', HELPER_REQUIREMENTS.requireSignedRequest(mode));
}

/** What a matcher sees of an Express request. */
function contextOf(req: Request): RequirementContext {
  return {
    method: req.method,
    path: req.path,
    params: req.params,
    query: req.query as Record<string, unknown>,
    body: req.body as unknown,
  };
}

function requirementHandler(name: string, requirements: Requirements): FapiRequirementHandler {
  assertRequirements(name, requirements);
  const handler = function fapiRequirement(req: Request, res: Response, next: NextFunction): void {
    const state = guardStateOf(req);
    if (!state) {
      guardNotMounted(res, next);
      return;
    }
    const verified = authorizationOf(req, state).require(requirements, contextOf(req));
    acceptVerified(req, res, next, state.forwardErrors, verified, next);
  };
  return Object.assign(handler, {
    requirements,
    ...requirementChain(requirements, (merged) => requirementHandler(name, merged)),
  });
}
