import {
  compilePublicPaths,
  createResourceServer,
  isFapiError,
  type Principal,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import type { Context, MiddlewareHandler } from 'hono';
import { authorizationOf, rejection, setGuardState, type GuardState } from './state.js';

/** Options of {@link fapiGuard}: core's options, plus what only the Hono adapter decides. */
export interface FapiGuardOptions extends ResourceServerOptions {
  /**
   * Paths the guard lets through without a token: exact paths (`'/health'`) or prefixes written
   * with a trailing `/*` (`'/docs/*'` matches `/docs` and `/docs/...`), compared
   * case-sensitively with the request URL's path (as the runtime parsed it, dot segments
   * resolved). A path with an encoded `.`, `/` or `\` is never public. A route helper on a
   * public path still demands a token. Default: none.
   */
  publicPaths?: readonly string[];
  /**
   * The TCP peer's address, as the runtime reports it: with `@hono/node-server`,
   * `(c) => getConnInfo(c).remote.address`. Needed only with `mtls.header`: core trusts the
   * certificate header only from a peer in `mtls.header.trustedProxies`, so without this
   * function a certificate header is never trusted. Never read an address from a header here.
   */
  peerAddress?: (c: Context) => string | undefined;
}

/** The middleware {@link fapiGuard} returns, with the verifier it built. */
export interface FapiGuardMiddleware extends MiddlewareHandler {
  /** The core verifier (for `metadata()`), shared by every request. */
  readonly resourceServer: ResourceServer;
  /** Releases the verifier's timers and default replay store (on shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the FAPI 2.0 verifier once and returns Hono middleware that verifies every request
 * reaching it: the access token, its DPoP proof, or (through a trusted proxy's `Client-Cert`
 * header) its certificate binding. A valid request continues with the principal in
 * `c.get('fapi')` and `principal.responseHeaders` on the response; any other is answered with
 * the status, `WWW-Authenticate` challenge and JSON body of the rejection. Paths in
 * `publicPaths` pass unverified; routes before the guard are not guarded at all. Route helpers
 * ({@link requireScopes}, {@link requireAnyScope}, {@link dpopBound}, {@link mtlsBound},
 * {@link requireFapi}) add requirements without verifying again.
 *
 * Options are validated here; an unknown key or a bad value throws a TypeError naming it.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.use(fapiGuard({ issuer, audience, jwksUri, publicUrl, publicPaths: ['/health'] }));
 * app.get('/health', (c) => c.json({ ok: true }));
 * app.get('/accounts', requireScopes('accounts'), (c) => c.json({ sub: c.get('fapi')?.subject }));
 * ```
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.4
 */
export function fapiGuard(options: FapiGuardOptions): FapiGuardMiddleware {
  const { publicPaths, peerAddress, ...fapi } = options;
  if (peerAddress !== undefined && typeof peerAddress !== 'function') {
    throw new TypeError('peerAddress: must be a function (c) => string | undefined');
  }
  const isPublic = compilePublicPaths(publicPaths);
  const resourceServer = createResourceServer(fapi);
  const state: GuardState = {
    resourceServer,
    peerAddress,
    certificateHeader: fapi.mtls ? fapi.mtls.header?.name?.toLowerCase() : undefined,
  };
  const middleware: MiddlewareHandler = async function fapiGuard(c, next) {
    setGuardState(c, state);
    if (isPublic(targetOf(c.req.url))) return next();
    try {
      accept(c, await (await authorizationOf(c, state)).principal());
    } catch (error) {
      if (isFapiError(error)) return rejection(c, error);
      throw error;
    }
    return next();
  };
  return Object.assign(middleware, { resourceServer, close: () => resourceServer.close() });
}

/** Puts the principal in `c.var.fapi` and its headers (no-store, interaction id, nonce) on the response. */
export function accept(c: Context, principal: Principal): void {
  c.set('fapi', principal);
  for (const [name, value] of Object.entries(principal.responseHeaders)) c.header(name, value);
}

/** Path and query of an absolute URL, as the public-path matcher reads them. */
function targetOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start);
}
