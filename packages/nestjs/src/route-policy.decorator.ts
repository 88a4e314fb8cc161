import type { CustomDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * A decorator factory that also carries the metadata `KEY`, so `Reflector#get`,
 * `getAllAndOverride` and friends accept it like any `Reflector.createDecorator` result.
 */
export type FapiRouteDecorator<TArgs extends unknown[]> = ((...args: TArgs) => CustomDecorator) & {
  readonly KEY: string;
};

/** RFC 6749 §3.3 `scope-token`: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function scopeList(decorator: string, scopes: string[]): readonly string[] {
  if (scopes.length === 0) throw new TypeError(`@${decorator}(): name at least one scope`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(`@${decorator}(): ${JSON.stringify(scope)} is not a scope token`);
    }
  }
  return Object.freeze([...scopes]);
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
