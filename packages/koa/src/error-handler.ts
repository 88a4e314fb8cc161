import { isFapiError } from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';

/**
 * Koa middleware, mounted first, that answers a FapiError thrown downstream as RFC 6750 /
 * RFC 9449 prescribe: its status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Cache-Control: no-store`, `x-fapi-interaction-id`) and the JSON body
 * `{ error, error_description }`. Other errors are rethrown untouched.
 *
 * Without it, Koa's own `onerror` still sets the right status and headers (the error carries
 * `status`, `headers` and `expose`), but answers with a text body.
 *
 * @example
 * ```ts
 * app.use(fapiErrorHandler()); // before the guard and the routes
 * ```
 */
export function fapiErrorHandler() {
  return async function fapiErrorHandler(ctx: ParameterizedContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      if (!isFapiError(error) || ctx.headerSent) throw error;
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = error.body();
    }
  };
}
