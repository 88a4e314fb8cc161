import { fromNodeRequest, type RequestLike } from '@fapi-guard/core';
import type { Request } from 'express';

/**
 * Core's view of an Express request: the original URL (`req.originalUrl`, before any router
 * stripped a mount path), the parsed body, and the scheme and host Express resolved
 * (`req.protocol`, `req.host`) only when `trustProxy` says the proxy's `X-Forwarded-*` may be
 * used. Otherwise core reads the TLS socket and the `Host` header itself. `rawBody` is what
 * `captureRawBody` kept (the digest of signed requests is computed over it).
 *
 * Express 4 has no port-preserving `req.host` (it is a deprecated alias of `req.hostname`), so
 * there the host is `req.hostname`: behind a proxy on a non-default port, configure `publicUrl`.
 */
export function toRequestLike(req: Request, trustProxy: boolean): RequestLike {
  const request = fromNodeRequest(req, {
    url: req.originalUrl,
    body: req.body as unknown,
    ...(trustProxy ? { protocol: req.protocol, host: resolvedHost(req) } : {}),
  });
  const { rawBody } = req as unknown as { rawBody?: unknown };
  return rawBody instanceof Uint8Array ? { ...request, rawBody } : request;
}

/** Express 5: `req.host` (with port). Express 4, which still has `req.param()`: `req.hostname`. */
function resolvedHost(req: Request): string | undefined {
  const isExpress4 = typeof (req as unknown as { param?: unknown }).param === 'function';
  return (isExpress4 ? req.hostname : req.host) || undefined;
}
