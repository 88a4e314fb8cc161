import {
  compileCors,
  compilePublicPaths,
  createResourceServer,
  type CorsOptions,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';
import { acceptVerified } from './respond.js';
import { authorizationOf, setGuardState, type GuardState } from './state.js';

/** Options of {@link fapiGuard}: core's options, plus what only the Koa adapter decides. */
export interface FapiGuardOptions extends ResourceServerOptions {
  /**
   * Use the scheme and host Koa resolved from `X-Forwarded-Proto` / `X-Forwarded-Host`
   * (`ctx.protocol`, `ctx.host`) when rebuilding the DPoP `htu`. Default: `app.proxy`.
   * `false` always uses the TLS socket and `Host` header. Ignored for `htu` when `publicUrl`
   * is set, which is the better choice behind a proxy.
   */
  trustProxy?: boolean;
  /**
   * Paths the guard lets through without a token: exact paths (`'/health'`) or prefixes written
   * with a trailing `/*` (`'/docs/*'` matches `/docs` and `/docs/...`). Compared
   * case-sensitively with the raw path of `ctx.originalUrl` (query removed). A path with a dot
   * segment (`.`, `..`, any `%2e`) or an encoded `/` or `\` (`%2f`, `%5c`) is never public.
   * A route helper on a public path still demands a token. Default: none.
   */
  publicPaths?: readonly string[];
  /**
   * Throw rejections (the FapiError, with `status`, `headers` and `expose`) for an upstream
   * error middleware instead of answering them (see `fapiErrorHandler`). Default `false`: the
   * guard and the route helpers answer with status, challenge headers and a JSON body.
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
   * With `forwardErrors`, render rejections with `fapiErrorHandler`: Koa's default `onerror`
   * removes every header set before the error, these included. Default: none.
   */
  cors?: CorsOptions;
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
 * Builds the FAPI 2.0 verifier once and returns the named middleware `fapiGuard`, which
 * verifies every request reaching it: the access token, its DPoP proof or client certificate.
 * A valid request continues with the principal on `ctx.state.fapi` and
 * `principal.responseHeaders` on the response; any other is answered with the status,
 * `WWW-Authenticate` challenge and JSON body of the rejection (or thrown with
 * `forwardErrors`). Paths listed in `publicPaths` pass unverified; middleware mounted before
 * the guard is not guarded at all. Route helpers ({@link requireScopes},
 * {@link requireAnyScope}, {@link dpopBound}, {@link mtlsBound}) add requirements without
 * verifying again.
 *
 * Options are validated here; an unknown key or a bad value throws a TypeError naming it.
 *
 * @example
 * ```ts
 * app.use(bodyParser());
 * app.use(fapiGuard({ issuer, audience, jwksUri, publicPaths: ['/health'] }));
 * router.get('/accounts', requireScopes('accounts'), (ctx) => (ctx.body = ctx.state.fapi));
 * app.use(router.routes());
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
  const middleware = async function fapiGuard(
    ctx: ParameterizedContext,
    next: Next,
  ): Promise<void> {
    const state: GuardState = {
      resourceServer,
      trustProxy: trustProxy ?? ctx.app.proxy,
      forwardErrors: forwardErrors ?? false,
    };
    setGuardState(ctx, state);
    if (corsPolicy) {
      const decision = corsPolicy({
        method: ctx.method,
        origin: ctx.req.headers.origin,
        requestMethod: ctx.req.headers['access-control-request-method'],
      });
      for (const [name, value] of Object.entries(decision.headers)) {
        if (name === 'vary') ctx.vary(value);
        else ctx.set(name, value);
      }
      if (decision.preflight) {
        ctx.status = 204;
        return;
      }
    }
    if (!isPublic(ctx.originalUrl)) {
      const verified = () => authorizationOf(ctx, state).principal();
      if (!(await acceptVerified(ctx, verified, state.forwardErrors))) return;
    }
    await next();
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
