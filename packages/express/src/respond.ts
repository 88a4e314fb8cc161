import { FapiError, isFapiError, type Principal } from '@fapi-guard/core';
import type { NextFunction, Request, Response } from 'express';

/** Puts the principal on `req.fapi` and its headers (no-store, interaction id, nonce) on `res`. */
export function accept(req: Request, res: Response, principal: Principal): void {
  req.fapi = principal;
  res.set(principal.responseHeaders);
}

/**
 * Ends a check on the request's verification: the principal accepted, then `proceed()`; or
 * the refusal answered (or passed to `next`, as {@link reject} does). The guard and every
 * route helper end their check with it.
 */
export function acceptVerified(
  req: Request,
  res: Response,
  next: NextFunction,
  forwardErrors: boolean,
  verified: Promise<Principal>,
  proceed: () => void,
): void {
  verified.then(
    (principal) => {
      accept(req, res, principal);
      proceed();
    },
    (error: unknown) => reject(error, res, next, forwardErrors),
  );
}

/**
 * Answers a FapiError itself: status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Cache-Control: no-store`, `x-fapi-interaction-id`) and the JSON `{ error, error_description }`.
 * With `forwardErrors`, after the response started, or for anything but a FapiError, it goes to
 * `next(error)` instead.
 */
export function reject(
  error: unknown,
  res: Response,
  next: NextFunction,
  forwardErrors: boolean,
): void {
  if (isFapiError(error)) markRejected(res);
  if (forwardErrors || !isFapiError(error) || res.headersSent) {
    next(error);
    return;
  }
  renderFapiError(error, res);
}

/** Writes a FapiError to the wire (shared with `fapiErrorHandler`). */
export function renderFapiError(error: FapiError, res: Response): void {
  markRejected(res);
  res.status(error.status).set(error.headers).json(error.body());
}

/** The 500 a route helper answers when no `fapiGuard()` ran before it on this request. */
export function guardNotMounted(res: Response, next: NextFunction): void {
  const error = new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED'); // carries Cache-Control: no-store
  reject(error, res, next, false);
}

const REJECTED = Symbol.for('@fapi-guard/express.rejected');

/** Marks `res` as a fapi-guard rejection, which `signedResponse()` never signs. */
function markRejected(res: Response): void {
  (res as Response & { [REJECTED]?: true })[REJECTED] = true;
}

/** Whether a FapiError was answered (or forwarded) on `res`. */
export function isRejected(res: Response): boolean {
  return (res as Response & { [REJECTED]?: true })[REJECTED] === true;
}
