import { isFapiError } from '@fapi-guard/core';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

/**
 * Error middleware that answers a FapiError as RFC 6750 / RFC 9449 prescribe: its status, its
 * headers (`WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control: no-store`,
 * `x-fapi-interaction-id`) and the JSON body `{ error, error_description }`. Any other error,
 * or a FapiError after the response started, goes to the next error handler.
 *
 * Without it, Express's default handler still sets the right status and headers (the error
 * carries `status` and `headers`), but answers with an HTML body.
 *
 * @example
 * ```ts
 * app.use(fapiErrorHandler()); // after the routes
 * ```
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
    res.status(error.status).set(error.headers).json(error.body());
  };
}
