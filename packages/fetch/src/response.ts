import type { FapiError, Principal, ResponseToSign } from '@fapi-guard/core';

/**
 * The `Response` a rejection is answered with, as core renders it: the FapiError's status, its
 * headers (`WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control: no-store`,
 * `x-fapi-interaction-id`) and the JSON body `{ error, error_description }`.
 *
 * @example
 * ```ts
 * try {
 *   const principal = await guard(request, { scopes: ['accounts'] });
 * } catch (error) {
 *   if (isFapiError(error)) return fapiErrorResponse(error);
 *   throw error;
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function fapiErrorResponse(error: FapiError): Response {
  const headers = new Headers(error.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(error.body()), { status: error.status, headers });
}

/**
 * Copies `principal.responseHeaders` (`Cache-Control: no-store`, `x-fapi-interaction-id`, a new
 * `DPoP-Nonce` when one is due) onto a successful response, and returns it.
 *
 * @example
 * ```ts
 * return withFapiHeaders(Response.json(accounts), principal);
 * ```
 */
export function withFapiHeaders(response: Response, principal: Principal): Response {
  for (const [name, value] of Object.entries(principal.responseHeaders)) {
    response.headers.set(name, value);
  }
  return response;
}

/** Statuses whose `Response` must have a null body (the Fetch standard's null body status). */
const NULL_BODY_STATUS = new Set([204, 205, 304]);

/**
 * A copy of `response` carrying the `Content-Digest`, `Signature-Input` and `Signature` headers
 * that `sign` computes over its exact body bytes (read whole, then sent as read), its status
 * and its headers; every other header is kept. `sign` is typically
 * `(message) => resourceServer.signResponse(request, principal, message)`.
 *
 * @example
 * ```ts
 * return withResponseSignature(Response.json(payment, { status: 201 }), (message) =>
 *   resourceServer.signResponse(toRequestLike(request), principal, message),
 * );
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 */
export async function withResponseSignature(
  response: Response,
  sign: (message: ResponseToSign) => Record<string, string>,
): Promise<Response> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  const signed = sign({ status: response.status, headers, body });
  for (const [name, value] of Object.entries(signed)) headers.set(name, value);
  const bytes = body.byteLength === 0 && NULL_BODY_STATUS.has(response.status) ? null : body;
  return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
}
