import type { CustomDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  assertRequirements,
  assertScopes,
  type AccessTokenClaims,
  type AuthorizationDetailsRequirement,
  type Requirements,
} from '@fapi-guard/core';

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
const AuthorizationDetailsMetadata = Reflector.createDecorator<
  Pick<Requirements, 'authorizationDetails'>
>({ key: 'fapi-guard:authorization-details' });
const AcrMetadata = Reflector.createDecorator<Pick<Requirements, 'acrValues' | 'maxAge'>>({
  key: 'fapi-guard:acr',
});
const ClaimsMetadata = Reflector.createDecorator<Pick<Requirements, 'claims'>>({
  key: 'fapi-guard:claims',
});
const SignedRequestMetadata = Reflector.createDecorator<'required' | 'optional'>({
  key: 'fapi-guard:signed-request',
});
const SignedResponseMetadata = Reflector.createDecorator<true>({
  key: 'fapi-guard:signed-response',
});

/**
 * Options of {@link RequireAcr}.
 *
 * @example
 * const options: RequireAcrOptions = { maxAge: 300 };
 */
export interface RequireAcrOptions {
  /** The user authenticated at most this many seconds ago (`auth_time`). */
  maxAge?: number;
}

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
 * The route needs an element of the token's `authorization_details` (RFC 9396) covering the
 * request: its `type`, its `locations` (when present) naming this resource server, every one
 * of `actions`, and `match(detail, request)` true, where `request` has the method, path, and
 * the platform request's `params`, `query` and `body`. Several requirements: any one covered is
 * enough. Otherwise 403 `insufficient_authorization_details`, without request data in the
 * challenge. The covering elements are `@FapiPrincipal('authorizationDetails')`. A handler's
 * own decorator replaces the class's. Shapes are checked when the decorator is applied.
 *
 * @example
 * ```ts
 * @RequireAuthorizationDetails({
 *   type: 'account_access',
 *   actions: ['read_balances'],
 *   match: (detail, req) => (detail.accounts as string[]).includes(req.params.accountId as string),
 * })
 * @Get('accounts/:accountId')
 * read(@FapiPrincipal('authorizationDetails') consent: AuthorizationDetail[]) {}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9
 */
export const RequireAuthorizationDetails: FapiRouteDecorator<AuthorizationDetailsRequirement[]> =
  Object.assign(
    (...requirements: AuthorizationDetailsRequirement[]) => {
      const authorizationDetails =
        requirements.length === 1 ? requirements[0] : Object.freeze([...requirements]);
      return AuthorizationDetailsMetadata(
        assertRequirements('@RequireAuthorizationDetails()', { authorizationDetails }),
      );
    },
    { KEY: AuthorizationDetailsMetadata.KEY },
  );

/**
 * The route needs the user's authentication to be one of `values` (the token's `acr`) and,
 * with `maxAge`, at most that many seconds old (`auth_time`). Otherwise 401
 * `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge, for the
 * client to step up. A handler's own `@RequireAcr` replaces the class's (both members).
 *
 * @example
 * ```ts
 * @RequireAcr(['urn:fapi-guard:acr:strong'], { maxAge: 300 })
 * @Post('high-value-payments')
 * pay() {}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export const RequireAcr: FapiRouteDecorator<
  [values: readonly string[], options?: RequireAcrOptions]
> = Object.assign(
  (values: readonly string[], options: RequireAcrOptions = {}) => {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('@RequireAcr(): options must be an object');
    }
    for (const key of Object.keys(options)) {
      if (key !== 'maxAge') {
        throw new TypeError(`@RequireAcr(): unknown option "${key}" (known: maxAge)`);
      }
    }
    const requirement = {
      acrValues: Array.isArray(values) ? Object.freeze([...values]) : values,
      ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
    };
    return AcrMetadata(assertRequirements('@RequireAcr()', requirement));
  },
  { KEY: AcrMetadata.KEY },
);

/**
 * The route needs `predicate` to hold for the token's claims; false is 403
 * `insufficient_scope`, a predicate that throws is a 500. A handler's own replaces the class's.
 *
 * @example
 * ```ts
 * @RequireClaims((claims) => claims.customer_type === 'business')
 * ```
 */
export const RequireClaims: FapiRouteDecorator<[(claims: AccessTokenClaims) => boolean]> =
  Object.assign(
    (predicate: (claims: AccessTokenClaims) => boolean) =>
      ClaimsMetadata(assertRequirements('@RequireClaims()', { claims: predicate })),
    { KEY: ClaimsMetadata.KEY },
  );

/**
 * The route needs an HTTP message signature (RFC 9421, FAPI 2.0 HTTP Signatures) by the token's
 * client: `required` refuses an unsigned request, `optional` verifies a signature when one is
 * present. Verified after the token and its binding, over the exact body bytes: create the
 * application with `NestFactory.create(AppModule, adapter, { rawBody: true })` (a signed route
 * receiving a body without `req.rawBody` answers 500 `ERR_FAPI_MISCONFIGURED`). Failures are 401
 * `ERR_FAPI_SIGNATURE_*`; the evidence is `@FapiPrincipal('signature')`. A handler's own
 * `@SignedRequest` replaces the class's; the application fails to start when the module has no
 * `httpSignatures` option.
 *
 * @example
 * ```ts
 * @SignedRequest()
 * @RequireScopes('payments')
 * @Post('payments')
 * pay(@FapiPrincipal('signature') evidence: SignatureEvidence, @Body() payment: PaymentDto) {}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2, RS-SIG-01
 */
export const SignedRequest: FapiRouteDecorator<[mode?: 'required' | 'optional']> = Object.assign(
  (mode: 'required' | 'optional' = 'required') => {
    const { signedRequest } = assertRequirements('@SignedRequest()', { signedRequest: mode });
    return SignedRequestMetadata(signedRequest as 'required' | 'optional');
  },
  { KEY: SignedRequestMetadata.KEY },
);

/**
 * The route's answers are signed (RFC 9421, `tag="fapi-2-response"`): `Content-Digest`,
 * `Signature-Input` and `Signature` over the status and the exact body bytes sent, bound to
 * the request (and to its verified signature, with `;req`). Covers what the handler returns,
 * `@HttpCode` and `@Header` included, and the exception filter's answer when the handler
 * throws. fapi-guard's own rejections (401/403 from a guard) are never signed. On a class it
 * applies to every handler. The application fails to start when the module has no response
 * signing key (`httpSignatures({ responseSigning })`), or when the route is `@Public()` or
 * unguarded.
 *
 * @example
 * ```ts
 * @SignedResponse()
 * @SignedRequest()
 * @Post('payments')
 * @HttpCode(201)
 * pay() { return { status: 'accepted' }; }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4, RS-SIG-05
 */
export const SignedResponse: FapiRouteDecorator<[]> = Object.assign(
  () => SignedResponseMetadata(true),
  { KEY: SignedResponseMetadata.KEY },
);

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
  [AuthorizationDetailsMetadata.KEY, '@RequireAuthorizationDetails'],
  [AcrMetadata.KEY, '@RequireAcr'],
  [ClaimsMetadata.KEY, '@RequireClaims'],
  [SignedRequestMetadata.KEY, '@SignedRequest'],
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
  const signedRequest = reflector.getAllAndOverride(SignedRequestMetadata, targets);
  return {
    ...(scopes && { scopes }),
    ...(anyScope && { anyScope }),
    ...(binding && { binding }),
    ...(signedRequest && { signedRequest }),
    ...reflector.getAllAndOverride(AuthorizationDetailsMetadata, targets),
    ...reflector.getAllAndOverride(AcrMetadata, targets),
    ...reflector.getAllAndOverride(ClaimsMetadata, targets),
  };
}

/** @internal Whether `@Public()` applies to a route, the handler's setting beating the class's. */
export function isPublicRoute(reflector: Reflector, handler: object, controller: object): boolean {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Reflector's own target type
  const targets = [handler, controller] as Function[];
  return reflector.getAllAndOverride(Public, targets) === true;
}

/** @internal Whether `@SignedResponse()` applies to a route (on the handler or its class). */
export function isSignedResponseRoute(
  reflector: Reflector,
  handler: object,
  controller: object,
): boolean {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Reflector's own target type
  const targets = [handler, controller] as Function[];
  return reflector.getAllAndOverride(SignedResponseMetadata, targets) === true;
}
