import type { FapiError, Principal } from '@fapi-guard/core';

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
