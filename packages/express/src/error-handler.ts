import { isFapiError } from '@fapi-guard/core';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { renderFapiError } from './respond.js';

/**
 * Error middleware for apps that set `forwardErrors: true` and still want the standard answer
 * for some routes: a FapiError is answered as RFC 6750 / RFC 9449 prescribe (its status, its
 * headers `WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control: no-store`, `x-fapi-interaction-id`,
 * and the JSON body `{ error, error_description }`). Any other error, or a FapiError after the
 * response started, goes to the next error handler.
 *
 * Without `forwardErrors` the guard and the route helpers answer rejections themselves, and
 * this handler is not needed.
 *
 * @example
 * ```ts
 * app.use(fapiGuard({ ...options, forwardErrors: true }));
 * app.get('/accounts', requireScopes('accounts'), listAccounts);
 * app.use(auditRejections); // sees every FapiError first
 * app.use(fapiErrorHandler()); // after the routes
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function fapiErrorHandler(): ErrorRequestHandler {
  return function fapiErrorHandler(
    error: unknown,
    _req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    if (!isFapiError(error) || res.headersSent) {
      next(error);
      return;
    }
    renderFapiError(error, res);
  };
}
