import {
  assertRequirements,
  HELPER_REQUIREMENTS,
  requirementChain,
  FapiError,
  isFapiError,
  type AccessTokenClaims,
  type AcrOptions,
  type AuthorizationDetailsRequirement,
  type RequirementContext,
  type Requirements,
  type SignedRequestMode,
} from '@fapi-guard/core';

export type { AcrOptions } from '@fapi-guard/core';
import { requestContext } from '@fapi-guard/fetch';
import type { Context, MiddlewareHandler } from 'hono';
import { accept } from './guard.js';
import { authorizationOf, formBodyOf, guardStateOf, rawBodyOf, rejection } from './state.js';

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
  /** Adds: an `authorization_details` element covers the request (see {@link requireAuthorizationDetails}). */
  requireAuthorizationDetails(
    ...requirements: AuthorizationDetailsRequirement[]
  ): FapiRequirementHandler;
  /** Adds: the user authenticated with one of `values` (see {@link requireAcr}). */
  requireAcr(values: readonly string[], options?: AcrOptions): FapiRequirementHandler;
  /** Adds: `predicate` holds for the token's claims (see {@link requireClaims}). */
  requireClaims(predicate: (claims: AccessTokenClaims) => boolean): FapiRequirementHandler;
  /** Adds: the request is signed by the client (see {@link requireSignedRequest}). */
  requireSignedRequest(mode?: SignedRequestMode): FapiRequirementHandler;
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
  return requirementHandler('requireFapi', requirements);
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
  return requirementHandler('requireScopes', HELPER_REQUIREMENTS.requireScopes(...scopes));
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
  return requirementHandler('requireAnyScope', HELPER_REQUIREMENTS.requireAnyScope(...scopes));
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
  return requirementHandler('dpopBound', HELPER_REQUIREMENTS.dpopBound());
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
  return requirementHandler('mtlsBound', HELPER_REQUIREMENTS.mtlsBound());
}

/**
 * Requires an element of the token's `authorization_details` (RFC 9396) to cover the request:
 * its `type`, its `locations` (when present) naming this resource server, every one of
 * `actions`, and `match(detail, request)` true, where `request` has `method`, `path`, the
 * route's `c.req.param()`, the query, and the body (a form, or JSON when the request says
 * `application/json`; the handler can still read it). Several requirements: any one covered is
 * enough. The covering elements are in `c.get('fapi').authorizationDetails`; otherwise 403
 * `insufficient_authorization_details`, without request data in the challenge. See
 * {@link requireFapi} for how requests are verified.
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
 *   (c) => c.json({ consent: c.get('fapi')?.authorizationDetails[0] }),
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
 * client can step up (RFC 9470). See {@link requireFapi} for how requests are verified.
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
 * Requires the request to carry the client's HTTP message signature (RFC 9421, FAPI 2.0 HTTP
 * Signatures): `'required'` (default) refuses an unsigned request with 401, `'optional'`
 * verifies a signature when one is present. Needs core's `httpSignatures` option. The body
 * bytes for the `Content-Digest` check are read with `c.req.arrayBuffer()`, which Hono keeps:
 * the handler's `c.req.json()`, `text()` or `parseBody()` decode those same bytes (read the body
 * through `c.req`, not `c.req.raw`). The verified signature is `c.get('fapi').signature`, the
 * evidence to store. See {@link requireFapi} for how requests are verified.
 *
 * @example
 * ```ts
 * app.post('/payments', requireScopes('payments').requireSignedRequest(), signedResponse(), pay);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 */
export function requireSignedRequest(mode?: SignedRequestMode): FapiRequirementHandler {
  return requirementHandler('requireSignedRequest', HELPER_REQUIREMENTS.requireSignedRequest(mode));
}

/** What a matcher sees of a Hono request: the form or JSON body, and the route's params. */
async function contextOf(c: Context): Promise<RequirementContext> {
  return requestContext(c.req.raw, (await formBodyOf(c)) ?? (await jsonBodyOf(c)), c.req.param());
}

/**
 * The JSON body, or undefined when absent or malformed. Decoded from `c.req.arrayBuffer()`, so
 * that Hono keeps the exact bytes (a signed-request check after this one still sees them, and
 * the handler's `c.req.json()` decodes them).
 */
async function jsonBodyOf(c: Context): Promise<unknown> {
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(c.req.header('content-type') ?? '')) {
    return undefined;
  }
  try {
    return JSON.parse(new TextDecoder().decode(await rawBodyOf(c))) as unknown;
  } catch {
    return undefined;
  }
}

function requirementHandler(name: string, requirements: Requirements): FapiRequirementHandler {
  assertRequirements(name, requirements);
  const handler: MiddlewareHandler = async function fapiRequirement(c, next) {
    const state = guardStateOf(c);
    if (!state) return rejection(c, new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED'));
    try {
      const verified = c.get('fapi') !== undefined; // the guard already set the headers
      const authorization = await authorizationOf(c, state);
      if (requirements.signedRequest !== undefined) await rawBodyOf(c);
      const principal = await authorization.require(requirements, await contextOf(c));
      if (verified) c.set('fapi', principal);
      else accept(c, principal);
    } catch (error) {
      if (isFapiError(error)) return rejection(c, error);
      throw error;
    }
    return next();
  };
  return Object.assign(handler, {
    requirements,
    ...requirementChain(requirements, (merged) => requirementHandler(name, merged)),
  });
}
