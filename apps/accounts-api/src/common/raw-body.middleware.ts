/**
 * The bytes of a request body, read before the guards: the FAPI guard verifies a payment's
 * request signature, whose `content-digest` covers the body exactly as received, and a signed
 * route refuses a body whose bytes were not kept. The body is only parsed later, after the
 * throttler and the guard ({@link JsonBodyInterceptor}), so a malformed one is still rate
 * limited and audited like any request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_JSON_BODY_BYTES, hasBody } from './json-body.interceptor.js';

/** A request whose bytes were kept: `rawBody` is the property Nest's `rawBody: true` sets too. */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

function tooLarge(response: ServerResponse): void {
  response.statusCode = 413;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('connection', 'close');
  response.end(
    JSON.stringify({
      error: 'invalid_request',
      error_description: `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes`,
    }),
  );
}

/**
 * Express middleware (`app.use(captureRawBody())`, before Nest's guards): keeps the body of
 * every request that has one as `request.rawBody` (at most {@link MAX_JSON_BODY_BYTES}; a
 * larger one is answered 413 at once, before any verification, since its bytes are not kept).
 *
 * @example
 * app.use(fapiHeaders(), captureRawBody());
 */
export function captureRawBody() {
  return function captureRawBodyMiddleware(
    request: RawBodyRequest,
    response: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    if (request.rawBody !== undefined || !hasBody(request)) return next();
    if (Number(request.headers['content-length']) > MAX_JSON_BODY_BYTES) {
      request.resume();
      return tooLarge(response);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_JSON_BODY_BYTES) {
        done = true;
        request.resume();
        return tooLarge(response);
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (done) return;
      done = true;
      request.rawBody = Buffer.concat(chunks);
      next();
    });
    request.once('error', (error) => {
      if (done) return;
      done = true;
      next(error);
    });
  };
}
