import { Reflector } from '@nestjs/core';

/**
 * Marks routes whose sender constraint comes from configuration (`PAYMENTS_BINDING`) instead of
 * a fixed `@DpopBound()` / `@MtlsBound()`. Read by `AccountsApiGuard`; an explicit
 * `@DpopBound()` / `@MtlsBound()` on the same route wins.
 */
export const ConfiguredBinding = Reflector.createDecorator<'payments'>({
  key: 'accounts-api:configured-binding',
});
