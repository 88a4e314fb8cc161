import {
  assertRequirements,
  createResourceServer,
  type Principal,
  type Requirements,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import { readFormBody, requestContext, toRequestLike } from './request.js';

/** Options of {@link createFetchGuard}: core's options, plus the runtime's peer address. */
export interface FetchGuardOptions extends ResourceServerOptions {
  /**
   * The TCP peer's address of `request`, as the runtime reports it (Deno: `info.remoteAddr`,
   * Bun: `server.requestIP(request)`, Node with `@hono/node-server`: the incoming socket).
   * Needed only with `mtls.header`: core trusts the certificate header only from a peer in
   * `mtls.header.trustedProxies`, so without this function a certificate header is never
   * trusted. Never read an address from a request header here.
   */
  peerAddress?: (request: Request) => string | undefined;
}

/** The function {@link createFetchGuard} returns, with the verifier it built. */
export interface FetchGuard {
  /**
   * Verifies `request` (once per `Request` object, whoever asks) and checks `requirements`
   * against the principal. Rejects with a FapiError: answer it with `fapiErrorResponse`.
   */
  (request: Request, requirements?: Requirements): Promise<Principal>;
  /** The core verifier (for `metadata()`). */
  readonly resourceServer: ResourceServer;
  /** Releases the verifier's timers and default replay store (on shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the FAPI 2.0 verifier once and returns a guard for Web-standard requests (Deno, Bun,
 * Cloudflare Workers with Node compatibility, Next.js route handlers, any `fetch` handler).
 * The guard verifies the access token and its DPoP proof (or, through a trusted proxy's
 * `Client-Cert` header, its certificate binding), checks `requirements`, and resolves to the
 * principal; any failure rejects with a FapiError that `fapiErrorResponse(error)` turns into
 * the `Response` RFC 6750 / RFC 9449 prescribe. A form body is read from a clone, so a body
 * `access_token` is refused and the handler can still read the body. Calling the guard again
 * for the same `Request` (a second requirement) does not verify again; the principal it
 * resolves to carries the `authorizationDetails` the requirements matched. A requirement's
 * `match` sees the method, path, query and form body (no route params: there is no router).
 *
 * Options are validated here; an unknown key or a bad value throws a TypeError naming it.
 * Requirements are checked on each call: an unknown key throws a TypeError (a programming
 * error, not a client's), which the guard rejects with.
 *
 * @example
 * ```ts
 * const guard = createFetchGuard({ issuer, audience, jwksUri, publicUrl });
 * export async function GET(request: Request): Promise<Response> {
 *   try {
 *     const principal = await guard(request, { scopes: ['accounts'] });
 *     return withFapiHeaders(Response.json({ subject: principal.subject }), principal);
 *   } catch (error) {
 *     if (isFapiError(error)) return fapiErrorResponse(error);
 *     throw error;
 *   }
 * }
 * ```
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.4
 */
export function createFetchGuard(options: FetchGuardOptions): FetchGuard {
  const { peerAddress, ...fapi } = options;
  if (peerAddress !== undefined && typeof peerAddress !== 'function') {
    throw new TypeError('peerAddress: must be a function (request) => string | undefined');
  }
  const resourceServer = createResourceServer(fapi);
  const certificateHeader = fapi.mtls ? fapi.mtls.header?.name?.toLowerCase() : undefined;
  const bodies = new WeakMap<Request, Promise<Record<string, string> | undefined>>();

  const guard = async (request: Request, requirements?: Requirements): Promise<Principal> => {
    if (requirements !== undefined)
      assertRequirements('guard(request, requirements)', requirements);
    let body = bodies.get(request);
    if (!body) {
      body = readFormBody(request);
      bodies.set(request, body);
    }
    const form = await body;
    const authorization = resourceServer.forRequest(request, () =>
      toRequestLike(request, {
        peerAddress: peerAddress?.(request),
        body: form,
        ...(certificateHeader ? { certificateHeader } : {}),
      }),
    );
    return requirements
      ? authorization.require(requirements, requestContext(request, form))
      : authorization.principal();
  };
  return Object.assign(guard, { resourceServer, close: () => resourceServer.close() });
}
