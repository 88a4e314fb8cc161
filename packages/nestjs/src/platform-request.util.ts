import { fromNodeRequest, type NodeRequestLike, type RequestLike } from '@fapi-guard/core';

/** The members of an Express `Request` read here (it is itself a Node request). */
interface ExpressRequestLike extends NodeRequestLike {
  originalUrl?: string;
  protocol?: string;
  host?: string;
  body?: unknown;
}

/** The members of a Fastify `FastifyRequest` read here (the Node request is `raw`). */
interface FastifyRequestLike {
  raw: NodeRequestLike;
  originalUrl?: string;
  protocol?: string;
  host?: string;
  body?: unknown;
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
 * stripping), and the parsed body so a form-body `access_token` is refused.
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
  return fromNodeRequest(node, {
    url: text(platform.originalUrl) ?? node.url,
    protocol: text(platform.protocol),
    host: text(platform.host),
    body: platform.body,
  });
}
