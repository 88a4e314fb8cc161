import { FapiError } from '@fapi-guard/core';
import { withResponseSignature } from '@fapi-guard/fetch';
import type { MiddlewareHandler } from 'hono';
import { describeRequest, formBodyOf, guardStateOf, rejection, wasRejected } from './state.js';

/**
 * Route middleware that signs the route's answer (RFC 9421 §2.4, FAPI 2.0 HTTP Signatures
 * §5.3.2.1): after the handler, `c.res` is rebuilt from its exact bytes with `Content-Digest`,
 * `Signature-Input` and `Signature` added (tag `fapi-2-response`, `@status`, and the request's
 * `@method`, `@target-uri`, `content-digest`, `signature` and `signature-input` with `;req`);
 * every other header is kept. Put it after `fapiGuard()` and before the handler.
 *
 * Only answers of a verified request that reached the route are signed: a rejection by the guard
 * or a route helper is answered unsigned (signing for unauthenticated callers would make the
 * server a signing oracle). On a server whose `httpSignatures` has no `responseSigning` key it
 * answers 500 `ERR_FAPI_MISCONFIGURED` before the handler runs; on a route no guard or helper
 * verified (a public path), 500 too, instead of an unsigned answer.
 *
 * @example
 * ```ts
 * app.post('/payments', requireScopes('payments').requireSignedRequest(), signedResponse(),
 *   async (c) => c.json(await pay(await c.req.json()), 201));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 */
export function signedResponse(): MiddlewareHandler {
  return async function fapiSignedResponse(c, next) {
    const state = guardStateOf(c);
    if (!state) return rejection(c, new FapiError('ERR_FAPI_GUARD_NOT_MOUNTED'));
    if (!state.resourceServer.signsResponses) {
      return rejection(c, misconfigured('configure httpSignatures({ responseSigning }) first'));
    }
    await next();
    if (wasRejected(c)) return;
    const principal = c.get('fapi');
    if (principal === undefined) {
      c.res = undefined; // drop the handler's headers rather than merge them into the 500
      c.res = rejection(c, misconfigured('the route was not verified (a public path?)'));
      return;
    }
    const body = await formBodyOf(c);
    c.res = await withResponseSignature(c.res, (message) =>
      state.resourceServer.signResponse(describeRequest(c, state, body), principal, message),
    );
  };
}

function misconfigured(reason: string): FapiError {
  return new FapiError('ERR_FAPI_MISCONFIGURED', {
    cause: new TypeError(`signedResponse: ${reason}`),
  });
}
