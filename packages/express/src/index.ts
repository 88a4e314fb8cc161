/**
 * @fapi-guard/express — FAPI 2.0 resource-server middleware for Express 4 and 5: one
 * `fapiGuard(options)` per app, route helpers stating what each route needs, and an error
 * handler rendering RFC 6750 / RFC 9449 rejections. All protocol decisions are core's.
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
  type FapiRequirementHandler,
} from './require.js';
export { fapiErrorHandler } from './error-handler.js';
export { toRequestLike } from './request.js';
export { FapiError, isFapiError, type Principal } from '@fapi-guard/core';

declare global {
  // Express's own extension point for request properties (both @types/express 4 and 5).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified caller, set by a fapi-guard route helper. */
      fapi?: Principal;
    }
  }
}
