import { isFapiError } from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';
import { renderFapiError } from './respond.js';

/**
 * Koa middleware for apps that set `forwardErrors: true`: mounted before the guard, it answers a
 * FapiError thrown downstream as RFC 6750 / RFC 9449 prescribe (its status, its headers
 * `WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control: no-store`, `x-fapi-interaction-id`, and the
 * JSON body `{ error, error_description }`). Other errors are rethrown untouched.
 *
 * Without `forwardErrors` the guard and the route helpers answer rejections themselves, and
 * this middleware is not needed.
 *
 * @example
 * ```ts
 * app.use(fapiErrorHandler()); // outermost
 * app.use(auditRejections); // sees every FapiError first
 * app.use(fapiGuard({ ...options, forwardErrors: true }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function fapiErrorHandler() {
  return async function fapiErrorHandler(ctx: ParameterizedContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      if (!isFapiError(error) || ctx.headerSent) throw error;
      renderFapiError(ctx, error);
    }
  };
}
