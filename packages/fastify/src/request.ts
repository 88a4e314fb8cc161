import { fromNodeRequest, type RequestLike, type RequirementContext } from '@fapi-guard/core';
import type { FastifyRequest } from 'fastify';
import { capturedRawBody } from './raw-body.js';

/**
 * Core's view of a Fastify request: the Node request underneath (`request.raw`: duplicate
 * headers, the TLS socket's client certificate, the peer address for the trusted-proxy check),
 * the original URL, the parsed body, the body bytes the guard captured on a `signedRequest`
 * route, and the scheme and host Fastify resolved from `X-Forwarded-*` (`request.protocol`,
 * `request.host`) only when `trustProxy` says so.
 *
 * @example
 * ```ts
 * const principal = await resourceServer.verify(toRequestLike(request, false));
 * ```
 */
export function toRequestLike(request: FastifyRequest, trustProxy: boolean): RequestLike {
  const described = fromNodeRequest(request.raw, {
    url: request.raw.url,
    body: request.body,
    ...(trustProxy ? { protocol: request.protocol, host: request.host } : {}),
  });
  const rawBody = capturedRawBody(request);
  return rawBody === undefined ? described : { ...described, rawBody };
}

/**
 * The request context handed to core alongside a route's requirements, built only when a
 * requirement is checked.
 *
 * @example
 * ```ts
 * routeContext(request); // { method: 'POST', path: '/payments', params: {}, query: {}, body }
 * ```
 */
export function routeContext(request: FastifyRequest): RequirementContext {
  const url = request.raw.url ?? '/';
  const query = url.indexOf('?');
  return {
    method: request.method,
    path: query < 0 ? url : url.slice(0, query),
    params: recordOf(request.params),
    query: recordOf(request.query),
    body: request.body,
  };
}

/** Fastify's parsed params or query (`{}` when a route has none). */
function recordOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
