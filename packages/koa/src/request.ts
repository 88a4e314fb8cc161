import { fromNodeRequest, type RequestLike } from '@fapi-guard/core';
import type { ParameterizedContext } from 'koa';
import { rawBodyOf } from './raw-body.js';

/**
 * Core's view of a Koa request: `ctx.originalUrl`, the body a body parser left on
 * `ctx.request.body`, and the scheme and host Koa resolved (`ctx.protocol`, `ctx.host`, which
 * read `X-Forwarded-*`) only when `trustProxy` is on. Otherwise core reads the TLS socket and
 * the `Host` header of `ctx.req` itself. `rawBody` is the body `captureRawBody()` kept, once it
 * was received whole (the digest of signed requests is computed over it).
 */
export function toRequestLike(ctx: ParameterizedContext, trustProxy: boolean): RequestLike {
  const request = fromNodeRequest(ctx.req, {
    url: ctx.originalUrl,
    body: (ctx.request as { body?: unknown }).body,
    ...(trustProxy ? { protocol: ctx.protocol, host: ctx.host || undefined } : {}),
  });
  const rawBody = rawBodyOf(ctx);
  return rawBody === undefined ? request : { ...request, rawBody };
}
