import {
  assertRequirements,
  createResourceServer,
  FapiError,
  type Principal,
  type Requirements,
  type ResourceServer,
  type ResourceServerOptions,
} from '@fapi-guard/core';
import { readFormBody, readRawBody, requestContext, toRequestLike } from './request.js';
import { withResponseSignature } from './response.js';

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

/** What a guard call promises about the answer (third argument of the {@link FetchGuard}). */
export interface GuardCallOptions {
  /**
   * The answer will be signed with {@link FetchGuard.signResponse}: the guard rejects with a 500
   * `ERR_FAPI_MISCONFIGURED` before the handler runs when the server has no response key.
   */
  signedResponse?: boolean;
}

/** The function {@link createFetchGuard} returns, with the verifier it built. */
export interface FetchGuard {
  /**
   * Verifies `request` (once per `Request` object, whoever asks) and checks `requirements`
   * against the principal. Rejects with a FapiError: answer it with `fapiErrorResponse`.
   */
  (request: Request, requirements?: Requirements, options?: GuardCallOptions): Promise<Principal>;
  /**
   * `response` signed as the answer to `request` (RFC 9421 §2.4, bound to its verified request
   * signature), over its exact body bytes. Only a request this guard accepted with
   * `{ signedResponse: true }` is answered signed; anything else (a rejection, an unguarded
   * request) rejects with a 500 `ERR_FAPI_MISCONFIGURED`, so the server never signs for an
   * unauthenticated caller.
   */
  signResponse(request: Request, response: Response): Promise<Response>;
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
 * A `signedRequest` requirement reads the body bytes from a clone for its `Content-Digest`
 * (call the guard before the handler reads the body); `{ signedResponse: true }` as third
 * argument promises a signed answer, made with `guard.signResponse(request, response)`.
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
  const rawBodies = new WeakMap<Request, Promise<Uint8Array>>();
  const read = new WeakMap<Request, Uint8Array>();
  // The principal of each request accepted with `signedResponse: true`, as last enriched.
  const signing = new WeakMap<Request, Principal>();

  const describe = (request: Request, form: Record<string, string> | undefined) =>
    toRequestLike(request, {
      peerAddress: peerAddress?.(request),
      body: form,
      rawBody: read.get(request),
      ...(certificateHeader ? { certificateHeader } : {}),
    });

  const guard = async (
    request: Request,
    requirements?: Requirements,
    call: GuardCallOptions = {},
  ): Promise<Principal> => {
    if (requirements !== undefined)
      assertRequirements('guard(request, requirements)', requirements);
    const signedResponse = signedResponseOption(call);
    if (signedResponse && !resourceServer.signsResponses) {
      throw new FapiError('ERR_FAPI_MISCONFIGURED', {
        cause: new TypeError('signedResponse: configure httpSignatures({ responseSigning }) first'),
      });
    }
    let body = bodies.get(request);
    if (!body) {
      body = readFormBody(request);
      bodies.set(request, body);
    }
    const form = await body;
    if (requirements?.signedRequest !== undefined) await rawBodyOf(request);
    const authorization = resourceServer.forRequest(request, () => describe(request, form));
    const principal = requirements
      ? await authorization.require(requirements, requestContext(request, form))
      : await authorization.principal();
    if (signedResponse || signing.has(request)) signing.set(request, principal);
    return principal;
  };

  /** The body bytes of `request`, read once and kept for every later description of it. */
  async function rawBodyOf(request: Request): Promise<void> {
    let bytes = rawBodies.get(request);
    if (!bytes) {
      bytes = readRawBody(request);
      rawBodies.set(request, bytes);
    }
    read.set(request, await bytes);
  }

  async function signResponse(request: Request, response: Response): Promise<Response> {
    const principal = signing.get(request);
    if (principal === undefined) {
      throw new FapiError('ERR_FAPI_MISCONFIGURED', {
        cause: new TypeError(
          'signResponse: only a request the guard accepted with { signedResponse: true } is answered signed',
        ),
      });
    }
    return withResponseSignature(response, (message) =>
      resourceServer.signResponse(describe(request, undefined), principal, message),
    );
  }

  return Object.assign(guard, {
    resourceServer,
    signResponse,
    close: () => resourceServer.close(),
  });
}

/** Checks the guard's third argument: `{ signedResponse?: boolean }`, nothing else. */
function signedResponseOption(call: GuardCallOptions): boolean {
  if (typeof call !== 'object' || call === null) {
    throw new TypeError('guard(request, requirements, options): options must be an object');
  }
  for (const key of Object.keys(call)) {
    if (key !== 'signedResponse') {
      throw new TypeError(`guard(request, requirements, options): unknown option "${key}"`);
    }
  }
  if (call.signedResponse !== undefined && typeof call.signedResponse !== 'boolean') {
    throw new TypeError('guard(request, requirements, options): signedResponse must be a boolean');
  }
  return call.signedResponse === true;
}
