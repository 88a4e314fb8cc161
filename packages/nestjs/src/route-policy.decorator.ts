import type { CustomDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { assertScopes, type Requirements } from '@fapi-guard/core';

/**
 * A decorator factory that also carries the metadata `KEY`, so `Reflector#get`,
 * `getAllAndOverride` and friends accept it like any `Reflector.createDecorator` result.
 */
export type FapiRouteDecorator<TArgs extends unknown[]> = ((...args: TArgs) => CustomDecorator) & {
  readonly KEY: string;
};

/** The scopes of `@decorator(...scopes)`, checked by core's scope rule (RFC 6749 §3.3). */
function scopeList(decorator: string, scopes: string[]): readonly string[] {
  return Object.freeze([...assertScopes(`@${decorator}()`, scopes, 1)]);
}

const ScopesMetadata = Reflector.createDecorator<readonly string[]>({ key: 'fapi-guard:scopes' });
const AnyScopeMetadata = Reflector.createDecorator<readonly string[]>({
  key: 'fapi-guard:any-scope',
});
const BindingMetadata = Reflector.createDecorator<'dpop' | 'mtls'>({ key: 'fapi-guard:binding' });

/**
 * The route needs every one of `scopes` (403 `insufficient_scope` otherwise). On a class it
 * applies to every handler; a handler's own `@RequireScopes` replaces the class's.
 *
 * @example
 * ```ts
 * @RequireScopes('accounts')
 * @Get('accounts')
 * list(@FapiPrincipal() principal: Principal) {}
 * ```
 * @see RFC 6750 §3.1, FAPI 2.0 SP §5.3.4 item 4
 */
export const RequireScopes: FapiRouteDecorator<string[]> = Object.assign(
  (...scopes: string[]) => ScopesMetadata(scopeList('RequireScopes', scopes)),
  { KEY: ScopesMetadata.KEY },
);

/**
 * The route needs at least one of `scopes`. Combines with `@RequireScopes` (both must hold); a
 * handler's own `@RequireAnyScope` replaces the class's.
 *
 * @example
 * ```ts
 * @RequireAnyScope('admin', 'accounts')
 * ```
 */
export const RequireAnyScope: FapiRouteDecorator<string[]> = Object.assign(
  (...scopes: string[]) => AnyScopeMetadata(scopeList('RequireAnyScope', scopes)),
  { KEY: AnyScopeMetadata.KEY },
);

/**
 * The route accepts only DPoP-bound access tokens (401 `invalid_token` for mTLS-bound ones).
 * Shares its metadata with `@MtlsBound`: the handler's choice beats the class's.
 *
 * @see RFC 9449 §7
 */
export const DpopBound: FapiRouteDecorator<[]> = Object.assign(() => BindingMetadata('dpop'), {
  KEY: BindingMetadata.KEY,
});

/**
 * The route accepts only certificate-bound access tokens, proven with the TLS client certificate.
 *
 * @see RFC 8705 §3
 */
export const MtlsBound: FapiRouteDecorator<[]> = Object.assign(() => BindingMetadata('mtls'), {
  KEY: BindingMetadata.KEY,
});

/**
 * Opts a route (or every route of a class) out of `FapiGuard`: no token is read and no FAPI
 * header is added. `@Public(false)` on a handler protects it again inside a `@Public()` class.
 *
 * @example
 * ```ts
 * @Public()
 * @Get('health')
 * health() { return { ok: true }; }
 * ```
 */
export const Public = Reflector.createDecorator<boolean, boolean>({
  key: 'fapi-guard:public',
  transform: (value) => value !== false,
});

/** The metadata keys of the decorators that state a route requirement. */
export const REQUIREMENT_METADATA: ReadonlyMap<string, string> = new Map([
  [ScopesMetadata.KEY, '@RequireScopes'],
  [AnyScopeMetadata.KEY, '@RequireAnyScope'],
  [BindingMetadata.KEY, '@DpopBound/@MtlsBound'],
]);

/**
 * @internal The requirements a route's decorators state, the handler's decorator replacing the
 * class's one key at a time. The startup check runs them through core's `assertRequirements`
 * once per route; core checks them again on every `authorize`.
 */
export function routeRequirements(
  reflector: Reflector,
  handler: object,
  controller: object,
): Requirements {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Reflector's own target type
  const targets = [handler, controller] as Function[];
  const scopes = reflector.getAllAndOverride(ScopesMetadata, targets);
  const anyScope = reflector.getAllAndOverride(AnyScopeMetadata, targets);
  const binding = reflector.getAllAndOverride(BindingMetadata, targets);
  return {
    ...(scopes && { scopes }),
    ...(anyScope && { anyScope }),
    ...(binding && { binding }),
  };
}

/** @internal Whether `@Public()` applies to a route, the handler's setting beating the class's. */
export function isPublicRoute(reflector: Reflector, handler: object, controller: object): boolean {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Reflector's own target type
  const targets = [handler, controller] as Function[];
  return reflector.getAllAndOverride(Public, targets) === true;
}
