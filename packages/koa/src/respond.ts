import { FapiError, isFapiError, type Principal } from '@fapi-guard/core';
import type { ParameterizedContext } from 'koa';

/** Puts the principal on `ctx.state.fapi` and its headers (no-store, interaction id, nonce) on the response. */
export function accept(ctx: ParameterizedContext, principal: Principal): void {
  ctx.state.fapi = principal;
  ctx.set(principal.responseHeaders);
}

/**
 * Waits for the request's verification (`verified` is called here, so its own throw counts as
 * a refusal too): accepts the principal and returns true, or answers (or throws, as
 * {@link reject} does) the refusal and returns false. The guard and every route helper end
 * their check with it.
 */
export async function acceptVerified(
  ctx: ParameterizedContext,
  verified: () => Promise<Principal>,
  forwardErrors: boolean,
): Promise<boolean> {
  let principal: Principal;
  try {
    principal = await verified();
  } catch (error) {
    reject(ctx, error, forwardErrors);
    return false;
  }
  accept(ctx, principal);
  return true;
}

/**
 * Answers a FapiError itself: status, its headers (`WWW-Authenticate`, `DPoP-Nonce`,
 * `Cache-Control: no-store`, `x-fapi-interaction-id`) and the JSON `{ error, error_description }`.
 * With `forwardErrors`, after the response started, or for anything but a FapiError, it is
 * thrown instead (its `status`, `headers` and `expose` suit Koa's own `onerror`).
 */
export function reject(ctx: ParameterizedContext, error: unknown, forwardErrors: boolean): void {
  if (isFapiError(error)) markRejected(ctx);
  if (forwardErrors || !isFapiError(error) || ctx.headerSent) throw error;
  renderFapiError(ctx, error);
}

/** Writes a FapiError to the response (shared with `fapiErrorHandler`). */
export function renderFapiError(ctx: ParameterizedContext, error: FapiError): void {
  markRejected(ctx);
  ctx.status = error.status;
  ctx.set(error.headers);
  ctx.body = error.body();
}

/** The 500 a route helper answers when no `fapiGuard()` ran before it on this request. */
export function guardNotMounted(ctx: ParameterizedContext): void {
  const error = new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED'); // carries Cache-Control: no-store
  reject(ctx, error, false);
}

const REJECTED = Symbol.for('@fapi-guard/koa.rejected');

/** Marks the answer as a fapi-guard rejection, which `signedResponse()` never signs. */
function markRejected(ctx: ParameterizedContext): void {
  (ctx as ParameterizedContext & { [REJECTED]?: true })[REJECTED] = true;
}

/** Whether a FapiError was answered (or thrown) on this context. */
export function isRejected(ctx: ParameterizedContext): boolean {
  return (ctx as ParameterizedContext & { [REJECTED]?: true })[REJECTED] === true;
}
