import {
  createResourceServer,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { setGuardState } from './state.js';

/** Options of {@link fapiGuard}: core's options, plus how to treat a reverse proxy. */
export interface FapiGuardOptions extends ResourceServerOptions {
  /**
   * Use the scheme and host Express resolved from `X-Forwarded-Proto` / `X-Forwarded-Host`
   * (`req.protocol`, `req.host`) when rebuilding the DPoP `htu`. Default: whether the app's
   * `trust proxy` setting is enabled. `false` always uses the TLS socket and `Host` header.
   * Ignored for `htu` when `publicUrl` is set, which is the better choice behind a proxy.
   */
  trustProxy?: boolean;
}

/** The middleware {@link fapiGuard} returns, with the verifier it built. */
export interface FapiGuardMiddleware extends RequestHandler {
  /** The core verifier (for `metadata()`), shared by every request. */
  readonly resourceServer: ResourceServer;
  /** Releases the verifier's timers and default replay store (on shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the FAPI 2.0 verifier once and returns middleware that makes it available to the
 * route helpers ({@link requireScopes}, {@link requireAnyScope}, {@link dpopBound},
 * {@link mtlsBound}). It verifies nothing by itself: a route without a helper stays open.
 * Options are validated here; misuse throws a TypeError naming the option.
 *
 * @example
 * ```ts
 * app.use(express.urlencoded({ extended: false }));
 * app.use(fapiGuard({ issuer, audience, jwksUri, publicUrl: 'https://api.bank.example' }));
 * app.get('/accounts', requireScopes('accounts'), (req, res) => res.json(req.fapi));
 * app.use(fapiErrorHandler());
 * ```
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.4
 */
export function fapiGuard(options: FapiGuardOptions): FapiGuardMiddleware {
  const { trustProxy, ...fapi } = options;
  if (trustProxy !== undefined && typeof trustProxy !== 'boolean') {
    throw new TypeError('trustProxy: must be a boolean');
  }
  const resourceServer = createResourceServer(fapi);
  const middleware = function fapiGuard(req: Request, _res: Response, next: NextFunction): void {
    setGuardState(req, {
      resourceServer,
      trustProxy: trustProxy ?? Boolean(req.app.get('trust proxy')),
    });
    next();
  };
  return Object.assign(middleware, {
    resourceServer,
    close: () => resourceServer.close(),
  });
}
