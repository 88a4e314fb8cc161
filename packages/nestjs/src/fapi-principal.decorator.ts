import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@fapi-guard/core';

/** A request `FapiGuard` let through: the verified principal sits on `fapi`. */
export interface FapiRequest {
  fapi?: Principal;
}

/**
 * Injects the core `Principal` that `FapiGuard` attached to the request (`request.fapi`), or
 * one of its members when given a key. `undefined` on `@Public()` routes.
 *
 * @example
 * ```ts
 * @Get('accounts')
 * list(@FapiPrincipal() principal: Principal, @FapiPrincipal('clientId') clientId: string) {}
 * ```
 */
export const FapiPrincipal: (field?: keyof Principal) => ParameterDecorator = createParamDecorator(
  (field: keyof Principal | undefined, context: ExecutionContext) => {
    const principal = context.switchToHttp().getRequest<FapiRequest>().fapi;
    return field === undefined ? principal : principal?.[field];
  },
);
