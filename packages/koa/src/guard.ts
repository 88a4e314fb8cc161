import {
  createResourceServer,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';
import { setGuardState } from './state.js';

/** Options of {@link fapiGuard}: core's options, plus how to treat a reverse proxy. */
export interface FapiGuardOptions extends ResourceServerOptions {
  /**
   * Use the scheme and host Koa resolved from `X-Forwarded-Proto` / `X-Forwarded-Host`
   * (`ctx.protocol`, `ctx.host`) when rebuilding the DPoP `htu`. Default: `app.proxy`.
   * `false` always uses the TLS socket and `Host` header. Ignored for `htu` when `publicUrl`
   * is set, which is the better choice behind a proxy.
   */
  trustProxy?: boolean;
}

/** The middleware {@link fapiGuard} returns, with the verifier it built. */
export interface FapiGuardMiddleware {
  (ctx: ParameterizedContext, next: Next): Promise<void>;
  /** The core verifier (for `metadata()`), shared by every request. */
  readonly resourceServer: ResourceServer;
  /** Releases the verifier's timers and default replay store (on shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the FAPI 2.0 verifier once and returns the named middleware `fapiGuard` that makes it
 * available to the route helpers ({@link requireScopes}, {@link requireAnyScope},
 * {@link dpopBound}, {@link mtlsBound}). It verifies nothing by itself: a route without a
 * helper stays open. Options are validated here; misuse throws a TypeError naming the option.
 *
 * @example
 * ```ts
 * app.use(fapiErrorHandler());
 * app.use(fapiGuard({ issuer, audience, jwksUri, publicUrl: 'https://api.bank.example' }));
 * router.get('/accounts', requireScopes('accounts'), (ctx) => (ctx.body = ctx.state.fapi));
 * ```
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.4
 */
export function fapiGuard(options: FapiGuardOptions): FapiGuardMiddleware {
  const { trustProxy, ...fapi } = options;
  if (trustProxy !== undefined && typeof trustProxy !== 'boolean') {
    throw new TypeError('trustProxy: must be a boolean');
  }
  const resourceServer = createResourceServer(fapi);
  const middleware = async function fapiGuard(
    ctx: ParameterizedContext,
    next: Next,
  ): Promise<void> {
    setGuardState(ctx, { resourceServer, trustProxy: trustProxy ?? ctx.app.proxy });
    await next();
  };
  return Object.assign(middleware, {
    resourceServer,
    close: () => resourceServer.close(),
  });
}
