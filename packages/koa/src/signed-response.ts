import { FapiError, isFapiError } from '@fapi-guard/core';
import type { Next, ParameterizedContext } from 'koa';
import { toRequestLike } from './request.js';
import { acceptVerified, guardNotMounted, isRejected, reject, renderFapiError } from './respond.js';
import { authorizationOf, guardStateOf, type GuardState } from './state.js';

const NO_RESPONSE_KEY = 'signedResponse: configure httpSignatures({ responseSigning }) first';
const STREAM_BODY =
  'signedResponse: ctx.body is a stream; set a Buffer, a string or a JSON value to sign it';

/**
 * Koa middleware signing the route's answer (RFC 9421, FAPI 2.0 HTTP Signatures): mount it before
 * the route's helpers and handler. After `await next()` it serializes `ctx.body` as Koa would
 * (an object as `JSON.stringify`, a string as UTF-8, a Buffer as it is; no body: Koa's status
 * text), signs those exact bytes with the resource server's response key (`rs.signResponse`:
 * `@status`, `content-digest`, the request's `@method`, `@target-uri`, `content-digest` and, when
 * it was verified, its signature, with `;req`), and sets them as `ctx.body` with the
 * `Content-Digest`, `Signature-Input` and `Signature` headers. HEAD, 204, 205 and 304 answers are
 * signed without a body.
 *
 * A stream body (a Node stream, `ReadableStream`, `Blob` or `Response`) is not buffered: it is
 * destroyed and the answer is 500 `ERR_FAPI_MISCONFIGURED` (set a Buffer instead), never an
 * unsigned answer. fapi-guard's own rejections (a 401 or 403 of a route helper, or a FapiError
 * thrown with `forwardErrors`) are not signed: signing answers to unauthenticated requests would
 * make the server a signing oracle (so it demands a valid token on a `publicPaths` route too); nor is an error thrown past it (Koa's `onerror` answers). On
 * a server without `httpSignatures({ responseSigning })`, the route answers 500
 * `ERR_FAPI_MISCONFIGURED` before its handler runs.
 *
 * @example
 * ```ts
 * router.post(
 *   '/payments',
 *   signedResponse(),
 *   requireScopes('payments').requireSignedRequest(),
 *   (ctx) => { ctx.status = 201; ctx.body = createPayment(ctx.request.body); },
 * );
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 */
export function signedResponse() {
  return async function signedResponse(ctx: ParameterizedContext, next: Next): Promise<void> {
    const state = guardStateOf(ctx);
    if (!state) {
      guardNotMounted(ctx);
      return;
    }
    if (!state.resourceServer.signsResponses) {
      const error = new FapiError('ERR_FAPI_MISCONFIGURED', {
        cause: new TypeError(NO_RESPONSE_KEY),
      });
      reject(ctx, error, state.forwardErrors);
      return;
    }
    // Only answers to verified callers are signed: on a public path this demands a token too.
    const verified = () => authorizationOf(ctx, state).principal();
    if (!(await acceptVerified(ctx, verified, state.forwardErrors))) return;
    await next();
    if (isRejected(ctx)) return;
    try {
      sign(ctx, state);
    } catch (caught) {
      // Never an unsigned answer on a signed route: the 500 goes out instead.
      const error = isFapiError(caught)
        ? caught
        : new FapiError('ERR_FAPI_UNEXPECTED', { cause: caught });
      for (const name of Object.keys(ctx.response.headers)) ctx.remove(name);
      renderFapiError(ctx, error);
    }
  };
}

function sign(ctx: ParameterizedContext, state: GuardState): void {
  const status = ctx.status;
  const bodiless = ctx.method === 'HEAD' || status === 204 || status === 205 || status === 304;
  const bytes = bodyBytes(ctx);
  const body = bodiless ? Buffer.alloc(0) : bytes;
  const headers = state.resourceServer.signResponse(
    toRequestLike(ctx, state.trustProxy),
    ctx.state.fapi,
    {
      status,
      headers: outgoingHeaders(ctx),
      body,
    },
  );
  if (!bodiless) {
    if (ctx.body === null || ctx.body === undefined) ctx.type = 'text';
    ctx.body = bytes;
    ctx.status = status; // a body set now must not turn Koa's default 404 into a 200
  }
  ctx.set(headers);
}

/** The bytes Koa would send for `ctx.body`. */
function bodyBytes(ctx: ParameterizedContext): Buffer {
  const body: unknown = ctx.body;
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === null || body === undefined) {
    // What Koa's respond() writes for an answer without a body.
    return Buffer.from(
      ctx.req.httpVersionMajor >= 2 ? String(ctx.status) : ctx.message || String(ctx.status),
    );
  }
  if (isStreamLike(body)) {
    discard(body);
    throw new FapiError('ERR_FAPI_MISCONFIGURED', { cause: new TypeError(STREAM_BODY) });
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function isStreamLike(body: unknown): boolean {
  return (
    typeof (body as { pipe?: unknown }).pipe === 'function' ||
    (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    (typeof Response !== 'undefined' && body instanceof Response)
  );
}

function discard(body: unknown): void {
  const destroy = (body as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') (destroy as () => void).call(body);
  else if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) {
    body.cancel().catch(() => undefined);
  }
}

function outgoingHeaders(ctx: ParameterizedContext): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(ctx.response.headers)) {
    if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
  }
  return headers;
}
