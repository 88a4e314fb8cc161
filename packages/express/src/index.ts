/**
 * @fapi-guard/express — FAPI 2.0 resource-server middleware for Express 4 and 5: one
 * `fapiGuard(options)` per app verifying every request after it (except `publicPaths`), route
 * helpers adding what each route needs, rejections answered as RFC 6750 / RFC 9449 prescribe
 * (or forwarded to an error handler), signed requests and responses (RFC 9421). All protocol
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
  type FapiRequirementHandler,
} from './require.js';
export { fapiErrorHandler } from './error-handler.js';
export { captureRawBody } from './raw-body.js';
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

declare global {
  // Express's own extension point for request properties (both @types/express 4 and 5).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified caller, set by `fapiGuard()` (or a route helper on a public path). */
      fapi?: Principal;
      /** The body bytes as received, kept by `captureRawBody` (the `verify` of a body parser). */
      rawBody?: Buffer;
    }
  }
}
