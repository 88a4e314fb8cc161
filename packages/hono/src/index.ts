/**
 * @fapi-guard/hono — FAPI 2.0 resource-server middleware for Hono 4, on any runtime Hono runs
 * on: one `fapiGuard(options)` verifying every request after it (except `publicPaths`), route
 * helpers adding what each route needs, the principal in `c.get('fapi')`, rejections answered
 * as RFC 6750 / RFC 9449 prescribe. mTLS only through a trusted proxy's `Client-Cert` header.
 * All protocol decisions are core's.
 *
 * @packageDocumentation
 */
import type { Principal } from '@fapi-guard/core';

export { fapiGuard, type FapiGuardMiddleware, type FapiGuardOptions } from './guard.js';
export {
  requireFapi,
  requireScopes,
  requireAnyScope,
  dpopBound,
  mtlsBound,
  requireAuthorizationDetails,
  requireAcr,
  requireClaims,
  requireSignedRequest,
  type AcrOptions,
  type FapiRequirementHandler,
} from './require.js';
export { signedResponse } from './signed-response.js';
export { fapiErrorResponse } from '@fapi-guard/fetch';
export { FapiError, isFapiError, type Principal, type Requirements } from '@fapi-guard/core';

declare module 'hono' {
  interface ContextVariableMap {
    /** The verified caller, set by `fapiGuard()` (or a route helper on a public path). */
    fapi: Principal | undefined;
  }
}
