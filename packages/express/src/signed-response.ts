import { FapiError, holdBackResponse, isFapiError } from '@fapi-guard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toRequestLike } from './request.js';
import { acceptVerified, guardNotMounted, isRejected, reject, renderFapiError } from './respond.js';
import { authorizationOf, guardStateOf, type GuardState } from './state.js';

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

/** Holds back what the handler writes and signs it at `end`; a rejection goes out as it is. */
function holdBack(req: Request, res: Response, state: GuardState): void {
  holdBackResponse(res, {
    method: req.method,
    sign: (response) =>
      state.resourceServer.signResponse(toRequestLike(req, state.trustProxy), req.fapi, response),
    // Never an unsigned answer on a signed route: the 500 goes out instead.
    fail: (caught) => {
      const error = isFapiError(caught)
        ? caught
        : new FapiError('ERR_FAPI_UNEXPECTED', { cause: caught });
      renderFapiError(error, res);
    },
    /** A rejection after this middleware (a route helper's 401/403) goes out as it is. */
    passThrough: () => isRejected(res),
  });
}
