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
import type { Next, ParameterizedContext } from 'koa';
import { settleRawBody } from './raw-body.js';
import { acceptVerified, guardNotMounted } from './respond.js';
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
  /** Adds: an `authorization_details` element covers the request (see {@link requireAuthorizationDetails}). */
  requireAuthorizationDetails(
    ...requirements: AuthorizationDetailsRequirement[]
  ): FapiRequirementMiddleware;
  /** Adds: the user authenticated with one of `values` (see {@link requireAcr}). */
  requireAcr(values: readonly string[], options?: AcrOptions): FapiRequirementMiddleware;
  /** Adds: `predicate` holds for the token's claims (see {@link requireClaims}). */
  requireClaims(predicate: (claims: AccessTokenClaims) => boolean): FapiRequirementMiddleware;
  /** Adds: the request carries a valid HTTP message signature (see {@link requireSignedRequest}). */
  requireSignedRequest(mode?: SignedRequestMode): FapiRequirementMiddleware;
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
  return requirementMiddleware('requireScopes', HELPER_REQUIREMENTS.requireScopes(...scopes));
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
  return requirementMiddleware('requireAnyScope', HELPER_REQUIREMENTS.requireAnyScope(...scopes));
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
  return requirementMiddleware('dpopBound', HELPER_REQUIREMENTS.dpopBound());
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
  return requirementMiddleware('mtlsBound', HELPER_REQUIREMENTS.mtlsBound());
}

/**
 * Requires an element of the token's `authorization_details` (RFC 9396) to cover the request:
 * its `type`, its `locations` (when present) naming this resource server, every one of
 * `actions`, and `match(detail, request)` true, where `request` has `method`, `path` and Koa's
 * `ctx.params` (set by the router), `ctx.query` and `ctx.request.body` (set by a body parser
 * mounted before it). Several requirements: any one covered is enough. The covering elements
 * are on `ctx.state.fapi.authorizationDetails`; otherwise 403
 * `insufficient_authorization_details`, without request data in the challenge. See
 * {@link requireScopes} for how requests are verified.
 *
 * @example
 * ```ts
 * router.get(
 *   '/accounts/:accountId',
 *   requireAuthorizationDetails({
 *     type: 'account_access',
 *     actions: ['read_balances'],
 *     match: (detail, req) => (detail.accounts as string[]).includes(req.params.accountId as string),
 *   }),
 *   (ctx) => (ctx.body = { consent: ctx.state.fapi?.authorizationDetails[0] }),
 * );
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9
 */
export function requireAuthorizationDetails(
  ...requirements: AuthorizationDetailsRequirement[]
): FapiRequirementMiddleware {
  return requirementMiddleware(
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
 * router.post('/high-value-payments', requireAcr(['urn:fapi-guard:acr:strong'], { maxAge: 300 }), pay);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAcr(
  values: readonly string[],
  options?: AcrOptions,
): FapiRequirementMiddleware {
  return requirementMiddleware('requireAcr', HELPER_REQUIREMENTS.requireAcr(values, options));
}

/**
 * Requires `predicate` to hold for the token's claims (any rule the other helpers do not
 * express); false is 403 `insufficient_scope`, a predicate that throws is a 500.
 *
 * @example
 * ```ts
 * router.get('/corporate', requireClaims((claims) => claims.customer_type === 'business'), list);
 * ```
 */
export function requireClaims(
  predicate: (claims: AccessTokenClaims) => boolean,
): FapiRequirementMiddleware {
  return requirementMiddleware('requireClaims', HELPER_REQUIREMENTS.requireClaims(predicate));
}

/**
 * Requires an HTTP message signature (RFC 9421, FAPI 2.0 HTTP Signatures) by the token's client
 * over the request: `'required'` (default) refuses an unsigned request, `'optional'` verifies a
 * signature when one is present. Verified after the token and its binding, with the key
 * `httpSignatures.resolveClientKey` gives for the token's `client_id`; a failure is 401 with an
 * `ERR_FAPI_SIGNATURE_*` code. The evidence is on `ctx.state.fapi.signature`. A request with a
 * body needs its bytes: mount `captureRawBody()` before the body parser (else 500
 * `ERR_FAPI_MISCONFIGURED`; a body over its limit is 413). See {@link requireScopes} for how
 * requests are verified.
 *
 * @example
 * ```ts
 * app.use(captureRawBody());
 * app.use(bodyParser());
 * router.post('/payments', requireScopes('payments').requireSignedRequest(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 */
export function requireSignedRequest(mode?: SignedRequestMode): FapiRequirementMiddleware {
  return requirementMiddleware(
    'requireSignedRequest',
    HELPER_REQUIREMENTS.requireSignedRequest(mode),
  );
}

/** What a matcher sees of a Koa request. */
function contextOf(ctx: ParameterizedContext): RequirementContext {
  const { params } = ctx as ParameterizedContext & { params?: Record<string, unknown> };
  return {
    method: ctx.method,
    path: ctx.path,
    params: params ?? {},
    query: ctx.query as Record<string, unknown>,
    body: (ctx.request as { body?: unknown }).body,
  };
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
    if (requirements.signedRequest !== undefined && (await settleRawBody(ctx)) === 'too-large') {
      ctx.throw(413, 'The request body is too large');
    }
    const verified = () => authorizationOf(ctx, state).require(requirements, contextOf(ctx));
    if (!(await acceptVerified(ctx, verified, state.forwardErrors))) return;
    await next();
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return Object.assign(middleware, {
    requirements,
    ...requirementChain(requirements, (merged) => requirementMiddleware(name, merged)),
  });
}
