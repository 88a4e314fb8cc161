import {
  fromNodeRequest,
  type NodeRequestLike,
  type RequestLike,
  type RequirementContext,
} from '@fapi-guard/core';

/** The members of an Express `Request` read here (it is itself a Node request). */
interface ExpressRequestLike extends NodeRequestLike {
  originalUrl?: string;
  protocol?: string;
  host?: string;
  body?: unknown;
  rawBody?: unknown;
}

/** The members of a Fastify `FastifyRequest` read here (the Node request is `raw`). */
interface FastifyRequestLike {
  raw: NodeRequestLike;
  originalUrl?: string;
  protocol?: string;
  host?: string;
  body?: unknown;
  rawBody?: unknown;
}

function isFastifyRequest(request: object): request is FastifyRequestLike {
  const raw = (request as { raw?: unknown }).raw;
  return typeof raw === 'object' && raw !== null && 'headers' in raw;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Maps the request object a Nest platform hands to guards (Express `req`, Fastify `request`) to
 * core's `RequestLike` with core's `fromNodeRequest`: duplicate headers kept, the TLS client
 * certificate from the socket, the original URL (before any rewrite or global prefix
 * stripping), the parsed body so a form-body `access_token` is refused, and the body bytes as
 * received (`req.rawBody`, which Nest keeps with the `rawBody: true` application option) for
 * the `Content-Digest` of a signed request.
 *
 * Scheme and host come from the platform's `protocol`/`host` getters. Express and Fastify read
 * `X-Forwarded-Proto`/`X-Forwarded-Host` there only when their trust-proxy setting trusts the
 * peer (`app.set('trust proxy', ...)`, `new FastifyAdapter({ trustProxy })`); otherwise they
 * return the socket's scheme and the `Host` header, exactly what core would use. Prefer the
 * `publicUrl` option behind a proxy.
 */
export function fromPlatformRequest(request: object): RequestLike {
  const platform = request as ExpressRequestLike | FastifyRequestLike;
  const node = isFastifyRequest(platform) ? platform.raw : (platform as ExpressRequestLike);
  const described = fromNodeRequest(node, {
    url: text(platform.originalUrl) ?? node.url,
    protocol: text(platform.protocol),
    host: text(platform.host),
    body: platform.body,
  });
  return platform.rawBody instanceof Uint8Array
    ? { ...described, rawBody: platform.rawBody }
    : described;
}

/**
 * What an authorization details `match` sees of the platform request (Express `req`, Fastify
 * `request`): the method, the path without query, and the platform's `params`, `query` and
 * parsed `body`.
 *
 * @example
 * requirementContextOf(request); // { method: 'GET', path: '/accounts/acc-1', params: { accountId: 'acc-1' }, query: {}, body: undefined }
 */
export function requirementContextOf(request: object): RequirementContext {
  const platform = request as {
    method?: unknown;
    params?: unknown;
    query?: unknown;
    body?: unknown;
    originalUrl?: unknown;
    url?: unknown;
    raw?: { method?: unknown; url?: unknown };
  };
  const url = text(platform.originalUrl) ?? text(platform.url) ?? text(platform.raw?.url) ?? '/';
  return {
    method: text(platform.method) ?? text(platform.raw?.method) ?? '',
    path: url.split(/[?#]/, 1)[0] || '/',
    params: record(platform.params),
    query: record(platform.query),
    body: platform.body,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
