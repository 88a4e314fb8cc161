import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { FapiError, type Principal } from '@fapi-guard/core';
import { FapiHttpException } from './fapi-http.exception.js';

/** A request `FapiGuard` let through: the verified principal sits on `fapi`. */
export interface FapiRequest {
  fapi?: Principal;
}

/**
 * @internal What `@FapiPrincipal()` resolves to. A route that reached its handler without a
 * principal was never guarded: that is a set-up mistake, answered with a 500
 * (`ERR_FAPI_GUARD_NOT_MOUNTED`), never with `undefined` for the handler to trust.
 */
export function principalParameter(
  field: keyof Principal | undefined,
  context: ExecutionContext,
): unknown {
  const principal = context.switchToHttp().getRequest<FapiRequest>().fapi;
  if (!principal) throw new FapiHttpException(new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED'));
  return field === undefined ? principal : principal[field];
}

/**
 * Injects the core `Principal` that `FapiGuard` attached to the request (`request.fapi`), or
 * one of its members when given a key. Never `undefined`: `FapiGuardModule` refuses to start
 * when a handler using it is `@Public()` or not protected by a `FapiGuard`, and a request that
 * still arrives without a principal gets a 500 `server_error` (`ERR_FAPI_GUARD_NOT_MOUNTED`).
 *
 * @example
 * ```ts
 * @Get('accounts')
 * list(@FapiPrincipal() principal: Principal, @FapiPrincipal('clientId') clientId: string) {}
 * ```
 */
export const FapiPrincipal: (field?: keyof Principal) => ParameterDecorator =
  createParamDecorator(principalParameter);
