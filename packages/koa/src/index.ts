/**
 * @fapi-guard/koa — FAPI 2.0 resource-server middleware for Koa 2 and 3: one
 * `fapiGuard(options)` per app verifying every request after it (except `publicPaths`), route
 * helpers adding what each route needs, rejections answered as RFC 6750 / RFC 9449 prescribe
 * (or thrown for an error middleware), signed requests and responses (RFC 9421). All protocol
 * decisions are core's.
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
  requireSignedRequest,
  type AcrOptions,
  type FapiRequirementMiddleware,
} from './require.js';
export { fapiErrorHandler } from './error-handler.js';
export {
  captureRawBody,
  DEFAULT_RAW_BODY_LIMIT_BYTES,
  type CaptureRawBodyOptions,
} from './raw-body.js';
export { signedResponse } from './signed-response.js';
export { toRequestLike } from './request.js';
export {
  CORS_DEFAULTS,
  FapiError,
  isFapiError,
  type CorsOptions,
  type Principal,
  type SignedRequestMode,
} from '@fapi-guard/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified caller, set by `fapiGuard()` (or a route helper on a public path). */
    fapi?: Principal;
    /** The body bytes as received, kept by `captureRawBody()` once the body ended. */
    rawBody?: Buffer;
  }
}
