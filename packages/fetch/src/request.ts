/*
 * What a Web-standard `Request` cannot tell, and how this package deals with it.
 *
 * The `Headers` class joins repeated fields into one value separated by `", "`; the original
 * header lines are gone. Core already refuses the joined forms of the fields it relies on:
 * - two `Authorization` fields become `DPoP a, DPoP b`: a comma is not in the token syntax, so
 *   core answers 400 `invalid_request` (multiple methods), as for two header lines on Node;
 * - two `DPoP` fields become `a, b`: a comma is not in a compact JWS, so core answers 401
 *   `invalid_dpop_proof` (exactly one proof), as on Node.
 * What this package adds:
 * - two certificate headers (`Client-Cert`, or `mtls.header.name`) are split back at the comma
 *   (neither `:base64:` nor PEM, raw or URL-encoded, contains one), so core sees two values and
 *   refuses them when a trusted proxy sent them (400), as on Node;
 * - a `Content-Type` holding a comma (two fields joined) is read as a form when any part is
 *   `application/x-www-form-urlencoded`, so a body `access_token` cannot hide behind a second
 *   content type.
 * What cannot be told apart at all, and is therefore never trusted: a single field whose value
 * holds a comma versus two fields. No other header feeds a security decision.
 */
import { FapiError, type RequestLike } from '@fapi-guard/core';

/** Default name of the certificate header a trusted TLS-terminating proxy sets (RFC 9440). */
const DEFAULT_CERTIFICATE_HEADER = 'client-cert';

const FORM = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

/** Whether a `Content-Type` value (possibly two joined fields) names a form body. */
export function isFormContentType(value: string | null): boolean {
  return value !== null && value.split(',').some((part) => FORM.test(part));
}

/** What {@link toRequestLike} needs beyond the request. */
export interface FetchRequestContext {
  /** The TCP peer's address as the runtime reports it (for the trusted-proxy check). */
  peerAddress?: string | undefined;
  /** The parsed form body (`application/x-www-form-urlencoded`), if any. */
  body?: unknown;
  /** The certificate header's name (lower case); default `client-cert`. */
  certificateHeader?: string;
  /** The body bytes as received, when a route verifies a signed request (see {@link readRawBody}). */
  rawBody?: Uint8Array | undefined;
}

/**
 * Core's view of a Web-standard `Request`: its method and absolute URL, its headers as name and
 * value pairs (the certificate header split back at commas: see the package README
 * for what a `Request` can and cannot tell), the
 * peer address the runtime gave, and the form body if one was read. There is never a TLS
 * client certificate: Web runtimes do not expose one, so mTLS works only through a trusted
 * proxy's `Client-Cert` header.
 *
 * @example
 * ```ts
 * const principal = await resourceServer.verify(toRequestLike(request, { peerAddress: '10.0.0.2' }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-2
 */
export function toRequestLike(request: Request, context: FetchRequestContext = {}): RequestLike {
  const certificateHeader = context.certificateHeader ?? DEFAULT_CERTIFICATE_HEADER;
  const headers: Array<[string, string]> = [];
  request.headers.forEach((value, name) => {
    if (name === certificateHeader && value.includes(',')) {
      for (const part of value.split(',')) headers.push([name, part.trim()]);
    } else {
      headers.push([name, value]);
    }
  });
  return {
    method: request.method,
    url: request.url,
    headers,
    ...(context.peerAddress !== undefined ? { peerAddress: context.peerAddress } : {}),
    ...(context.body !== undefined ? { body: context.body } : {}),
    ...(context.rawBody !== undefined ? { rawBody: context.rawBody } : {}),
  };
}

/**
 * The body bytes of `request` exactly as received, read from a clone (the handler can still
 * read the request's own body), for the `Content-Digest` of a signed request. A request without
 * a body gives no bytes. A body already read (a handler or a body parser ran before the guard)
 * cannot be read again: that is a set-up mistake, rejected with a 500 `ERR_FAPI_MISCONFIGURED`
 * (never a digest skipped). As with {@link readFormBody}, put a body-size limit in front.
 *
 * @example
 * ```ts
 * await readRawBody(new Request(url, { method: 'POST', body: '{"amount":"10.00"}' }));
 * // Uint8Array(18) [...]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-2
 */
export async function readRawBody(request: Request): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  if (request.bodyUsed) {
    throw new FapiError('ERR_FAPI_MISCONFIGURED', {
      cause: new TypeError(
        'signedRequest: the request body was read before the guard; call the guard first',
      ),
    });
  }
  return new Uint8Array(await request.clone().arrayBuffer());
}

/**
 * The form body of `request` as a record, read from a clone (the handler can still read the
 * request's own body), or undefined when the request is not a form. A body that cannot be read
 * is treated as an empty form. Put a body-size limit in front of the guard (the runtime's or
 * the proxy's): the clone is read whole, as any body parser would.
 *
 * @example
 * ```ts
 * await readFormBody(new Request(url, { method: 'POST', body: new URLSearchParams({ a: '1' }) }));
 * // { a: '1' }
 * ```
 */
export async function readFormBody(request: Request): Promise<Record<string, string> | undefined> {
  // Content type first: reading `body` can be costly (a lazily built Request makes its stream).
  if (!isFormContentType(request.headers.get('content-type')) || request.body === null) {
    return undefined;
  }
  let text: string;
  try {
    text = await request.clone().text();
  } catch {
    return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** What a requirement matcher may read about the request (core's `RequirementContext`). */
export interface RequestContext {
  method: string;
  /** The URL's path, without the query. */
  path: string;
  /** Route parameters, when a router matched some (Hono: `c.req.param()`); else `{}`. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** The form body, if one was read. */
  body: unknown;
}

/**
 * The request context handed to core alongside a route's requirements.
 *
 * @example
 * ```ts
 * requestContext(new Request('https://api.bank.example/accounts?from=2027'), undefined);
 * // { method: 'GET', path: '/accounts', params: {}, query: { from: '2027' }, body: undefined }
 * ```
 */
export function requestContext(
  request: Request,
  body: unknown,
  params: Record<string, string> = {},
): RequestContext {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    params,
    query: Object.fromEntries(url.searchParams),
    body,
  };
}
