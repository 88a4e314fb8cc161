import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Express middleware that runs before every route, documentation and 404s included:
 * - `x-fapi-interaction-id`: the client's value when it is one UUID, else a new one (RS-HDR-01).
 *   On protected routes fapi-guard sets the same rule's value again and logs it in the audit
 *   line, so the response and the audit trail always agree.
 * - `Cache-Control: no-store`: nothing this API answers may be cached (RS-DPOP-17, RS-MTLS-05);
 *   the metadata route overrides it.
 */
export function fapiHeaders() {
  return function fapiHeadersMiddleware(
    request: IncomingMessage,
    response: ServerResponse,
    next: () => void,
  ): void {
    const sent = request.headersDistinct['x-fapi-interaction-id'];
    const value = sent?.length === 1 ? (sent[0] as string).trim() : undefined;
    response.setHeader(
      'x-fapi-interaction-id',
      value !== undefined && UUID.test(value) ? value : randomUUID(),
    );
    response.setHeader('cache-control', 'no-store');
    next();
  };
}
