/**
 * @fapi-guard/koa — FAPI 2.0 resource-server middleware for Koa 2 and 3: one
 * `fapiGuard(options)` per app verifying every request after it (except `publicPaths`), route
 * helpers adding what each route needs, rejections answered as RFC 6750 / RFC 9449 prescribe
 * (or thrown for an error middleware). All protocol decisions are core's.
 *
 * @packageDocumentation
 */
import type { Principal } from '@fapi-guard/core';

export { fapiGuard, type FapiGuardMiddleware, type FapiGuardOptions } from './guard.js';
export {
  requireScopes,
  requireAnyScope,
  dpopBound,
  mtlsBound,
  requireAuthorizationDetails,
  requireAcr,
  requireClaims,
  type AcrOptions,
  type FapiRequirementMiddleware,
} from './require.js';
export { fapiErrorHandler } from './error-handler.js';
export { toRequestLike } from './request.js';
export { FapiError, isFapiError, type Principal } from '@fapi-guard/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified caller, set by `fapiGuard()` (or a route helper on a public path). */
    fapi?: Principal;
  }
}
