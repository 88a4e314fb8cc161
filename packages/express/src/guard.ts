import {
  compileCors,
  compilePublicPaths,
  createResourceServer,
  type CorsOptions,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { acceptVerified } from './respond.js';
import { authorizationOf, setGuardState, type GuardState } from './state.js';

/** Options of {@link fapiGuard}: core's options, plus what only the Express adapter decides. */
export interface FapiGuardOptions extends ResourceServerOptions {
  /**
   * Use the scheme and host Express resolved from `X-Forwarded-Proto` / `X-Forwarded-Host`
   * (`req.protocol`, `req.host`) when rebuilding the DPoP `htu`. Default: whether the app's
   * `trust proxy` setting is enabled. `false` always uses the TLS socket and `Host` header.
   * Ignored for `htu` when `publicUrl` is set, which is the better choice behind a proxy.
   */
  trustProxy?: boolean;
  /**
   * Paths the guard lets through without a token: exact paths (`'/health'`) or prefixes written
   * with a trailing `/*` (`'/docs/*'` matches `/docs` and `/docs/...`). Compared
   * case-sensitively with the raw path of `req.originalUrl` (query removed). A path with a dot
   * segment (`.`, `..`, any `%2e`) or an encoded `/` or `\` (`%2f`, `%5c`) is never public.
   * A route helper on a public path still demands a token. Default: none.
   */
  publicPaths?: readonly string[];
  /**
   * Pass rejections on with `next(fapiError)` instead of answering them, for apps that render
   * errors themselves (see `fapiErrorHandler`). Default `false`: the guard and the route
   * helpers answer with status, challenge headers and a JSON body.
   */
  forwardErrors?: boolean;
  /**
   * Lets browser pages on the listed origins call the API (`cors: { origins:
   * ['https://app.example'] }`; the other keys are in core's `CorsOptions`). A request from a
   * listed origin gets `Access-Control-Allow-Origin`, `Vary: Origin` and
   * `Access-Control-Expose-Headers: WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id` on
   * every answer, rejections included; its preflight (`OPTIONS` with
   * `Access-Control-Request-Method`) is answered 204 here, without a token, and goes no further.
   * Any other origin gets no CORS headers, and its preflight is verified like any request (401).
   * Default: none.
   */
  cors?: CorsOptions;
}

/** The middleware {@link fapiGuard} returns, with the verifier it built. */
export interface FapiGuardMiddleware extends RequestHandler {
  /** The core verifier (for `metadata()`), shared by every request. */
  readonly resourceServer: ResourceServer;
  /** Releases the verifier's timers and default replay store (on shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the FAPI 2.0 verifier once and returns middleware that verifies every request reaching
 * it: the access token, its DPoP proof or client certificate. A valid request continues with
 * the principal on `req.fapi` and `principal.responseHeaders` on the response; any other is
 * answered with the status, `WWW-Authenticate` challenge and JSON body of the rejection (or
 * passed to `next(error)` with `forwardErrors`). Paths listed in `publicPaths` pass unverified;
 * routes registered before the guard are not guarded at all. Route helpers
 * ({@link requireScopes}, {@link requireAnyScope}, {@link dpopBound}, {@link mtlsBound}) add
 * requirements without verifying again.
 *
 * Options are validated here; an unknown key or a bad value throws a TypeError naming it.
 *
 * @example
 * ```ts
 * app.use(express.urlencoded({ extended: false }));
 * app.use(fapiGuard({ issuer, audience, jwksUri, publicPaths: ['/health'] }));
 * app.get('/health', (_req, res) => res.json({ ok: true }));
 * app.get('/accounts', requireScopes('accounts'), (req, res) => res.json(req.fapi));
 * ```
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.4
 */
export function fapiGuard(options: FapiGuardOptions): FapiGuardMiddleware {
  const { trustProxy, publicPaths, forwardErrors, cors, ...fapi } = options;
  assertBoolean('trustProxy', trustProxy);
  assertBoolean('forwardErrors', forwardErrors);
  const isPublic = compilePublicPaths(publicPaths);
  const corsPolicy = compileCors(cors);
  const resourceServer = createResourceServer(fapi);
  const middleware = function fapiGuard(req: Request, res: Response, next: NextFunction): void {
    const state: GuardState = {
      resourceServer,
      trustProxy: trustProxy ?? Boolean(req.app.get('trust proxy')),
      forwardErrors: forwardErrors ?? false,
    };
    setGuardState(req, state);
    if (corsPolicy) {
      const decision = corsPolicy({
        method: req.method,
        origin: req.headers.origin,
        requestMethod: req.headers['access-control-request-method'],
      });
      for (const [name, value] of Object.entries(decision.headers)) {
        if (name === 'vary') res.vary(value);
        else res.setHeader(name, value);
      }
      if (decision.preflight) {
        res.status(204).end();
        return;
      }
    }
    if (isPublic(req.originalUrl)) {
      next();
      return;
    }
    const verified = authorizationOf(req, state).principal();
    acceptVerified(req, res, next, state.forwardErrors, verified, next);
  };
  return Object.assign(middleware, {
    resourceServer,
    close: () => resourceServer.close(),
  });
}

function assertBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${name}: must be a boolean`);
  }
}
