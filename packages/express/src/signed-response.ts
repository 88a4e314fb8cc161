import { FapiError, isFapiError } from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toRequestLike } from './request.js';
import { acceptVerified, guardNotMounted, isRejected, reject, renderFapiError } from './respond.js';
import { authorizationOf, guardStateOf, type GuardState } from './state.js';

type Callback = (error?: Error | null) => void;
type Writer = (...args: unknown[]) => unknown;

const NO_RESPONSE_KEY = 'signedResponse: configure httpSignatures({ responseSigning }) first';

/**
 * Route middleware signing the route's answer (RFC 9421, FAPI 2.0 HTTP Signatures): mount it
 * before the route's helpers and handler. It holds back what the handler writes (`res.json`,
 * `res.send`, `res.write`, `res.end`), then signs the exact bytes with the resource server's
 * response key (`rs.signResponse`: `@status`, `content-digest`, the request's `@method`,
 * `@target-uri`, `content-digest` and, when it was verified, its signature, with `;req`), adds
 * `Content-Digest`, `Signature-Input`, `Signature` and `Content-Length`, and sends. HEAD, 204 and
 * 304 answers are signed without a body.
 *
 * fapi-guard's own rejections (a 401 or 403 of a route helper, or any FapiError passed on) are
 * not signed: signing answers to unauthenticated requests would make the server a signing
 * oracle; for the same reason it demands a valid token on a `publicPaths` route too. On a server
 * without `httpSignatures({ responseSigning })`, the route answers 500
 * `ERR_FAPI_MISCONFIGURED` before its handler runs. The whole body is buffered: do not use it
 * for large streamed downloads.
 *
 * @example
 * ```ts
 * app.post(
 *   '/payments',
 *   signedResponse(),
 *   requireScopes('payments').requireSignedRequest(),
 *   (req, res) => res.status(201).json(createPayment(req.body)),
 * );
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 */
export function signedResponse(): RequestHandler {
  return function fapiSignedResponse(req: Request, res: Response, next: NextFunction): void {
    const state = guardStateOf(req);
    if (!state) {
      guardNotMounted(res, next);
      return;
    }
    if (!state.resourceServer.signsResponses) {
      const error = new FapiError('ERR_FAPI_MISCONFIGURED', {
        cause: new TypeError(NO_RESPONSE_KEY),
      });
      reject(error, res, next, state.forwardErrors);
      return;
    }
    // Only answers to verified callers are signed: on a public path this demands a token too.
    const verified = authorizationOf(req, state).principal();
    acceptVerified(req, res, next, state.forwardErrors, verified, () => {
      holdBack(req, res, state);
      next();
    });
  };
}

/** Replaces `res`'s writers with ones that collect the body and sign it at `end`. */
function holdBack(req: Request, res: Response, state: GuardState): void {
  const writable = res as unknown as Record<'write' | 'end' | 'writeHead' | 'flushHeaders', Writer>;
  const original = {
    write: writable.write,
    end: writable.end,
    writeHead: writable.writeHead,
    flushHeaders: writable.flushHeaders,
  };
  const chunks: Buffer[] = [];
  const restore = () => Object.assign(writable, original);
  /** A rejection after this middleware (a route helper's 401/403) goes out as it is. */
  const passOn = (name: keyof typeof original, args: unknown[]) => {
    restore();
    return original[name].apply(res, args);
  };
  writable.writeHead = (...args: unknown[]) => {
    if (isRejected(res)) return passOn('writeHead', args);
    const [status, message, headers] = args;
    res.statusCode = status as number;
    if (typeof message === 'string') res.statusMessage = message;
    setHeaders(res, typeof message === 'string' ? headers : message);
    return res;
  };
  writable.flushHeaders = (...args: unknown[]) => {
    if (isRejected(res)) return passOn('flushHeaders', args);
    return undefined; // headers go out with the signature
  };
  writable.write = (...args: unknown[]) => {
    if (isRejected(res)) return passOn('write', args);
    const { chunk, encoding, callback } = writeArguments(args);
    if (chunk !== undefined) chunks.push(toBuffer(chunk, encoding));
    if (callback) process.nextTick(callback);
    return true;
  };
  writable.end = (...args: unknown[]) => {
    if (isRejected(res)) return passOn('end', args);
    const { chunk, encoding, callback } = writeArguments(args);
    if (chunk !== undefined) chunks.push(toBuffer(chunk, encoding));
    restore();
    signAndSend(req, res, state, Buffer.concat(chunks), callback);
    return res;
  };
}

function signAndSend(
  req: Request,
  res: Response,
  state: GuardState,
  bytes: Buffer,
  callback: Callback | undefined,
): void {
  const status = res.statusCode;
  const bodiless = req.method === 'HEAD' || status === 204 || status === 304 || status < 200;
  const body = bodiless ? Buffer.alloc(0) : bytes;
  let signature: Record<string, string>;
  try {
    signature = state.resourceServer.signResponse(toRequestLike(req, state.trustProxy), req.fapi, {
      status,
      headers: outgoingHeaders(res),
      body,
    });
  } catch (caught) {
    // Never an unsigned answer on a signed route: the 500 goes out instead.
    const error = isFapiError(caught)
      ? caught
      : new FapiError('ERR_FAPI_UNEXPECTED', { cause: caught });
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    renderFapiError(error, res);
    return;
  }
  for (const [name, value] of Object.entries(signature)) res.setHeader(name, value);
  if (bodiless) {
    res.end(callback);
    return;
  }
  res.removeHeader('transfer-encoding');
  res.setHeader('content-length', String(body.length));
  res.end(body, callback);
}

function writeArguments(args: unknown[]): {
  chunk: string | Uint8Array | undefined;
  encoding: BufferEncoding | undefined;
  callback: Callback | undefined;
} {
  const [first, second, third] = args;
  const callback = [first, second, third].find((arg) => typeof arg === 'function') as
    Callback | undefined;
  const chunk = typeof first === 'string' || first instanceof Uint8Array ? first : undefined;
  const encoding = typeof second === 'string' ? (second as BufferEncoding) : undefined;
  return { chunk, encoding, callback };
}

function toBuffer(chunk: string | Uint8Array, encoding: BufferEncoding | undefined): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk);
}

function setHeaders(res: Response, headers: unknown): void {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      res.setHeader(String(headers[i]), String(headers[i + 1]));
    }
  } else if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) res.setHeader(name, value as string | string[]);
    }
  }
}

function outgoingHeaders(res: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
  }
  return headers;
}
