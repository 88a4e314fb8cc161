/**
 * The client's check of a signed payment answer (FAPI 2.0 HTTP Signatures §5.3.2.2) with
 * `verifyResponse` of @fapi-guard/http-signatures: the `fapi-2-response` signature by a key of
 * the API's published JWKS, over `@status`, the `content-digest` of the exact bytes received,
 * and the request's `@method`, `@target-uri`, `content-digest`, `signature` and
 * `signature-input` (`;req`), so the answer is bound to the very request that was sent.
 */
import type { JsonWebKey } from 'node:crypto';
import { ResponseSignatureError, verifyResponse } from '@fapi-guard/http-signatures';
import type { Exchange } from './api-client.js';

/** What the check found: `ok`, else the rule broken. */
export interface ResponseSignatureCheck {
  ok: boolean;
  reason?: string;
  keyId?: string;
  created?: number;
  components?: string[];
}

/**
 * Verifies the response signature of `exchange` with the keys of `jwks` (the API's, from its
 * metadata's `jwks_uri`), against the request as it was sent.
 *
 * @example
 * const check = await verifyResponseSignature(created, jwks);
 * if (!check.ok) throw new Error(`unsigned or tampered answer: ${check.reason}`);
 */
export async function verifyResponseSignature(
  exchange: Exchange,
  jwks: { keys: readonly JsonWebKey[] },
): Promise<ResponseSignatureCheck> {
  const { request, response } = exchange;
  try {
    const verified = await verifyResponse({
      response: { status: response.status, headers: response.headers, body: response.bytes },
      request: {
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(request.body !== undefined ? { rawBody: Buffer.from(request.body) } : {}),
      },
      key: (keyId) => jwks.keys.find((key) => (key as { kid?: string }).kid === keyId),
    });
    return {
      ok: true,
      keyId: verified.keyId,
      created: verified.created,
      components: [...verified.components],
    };
  } catch (error) {
    if (error instanceof ResponseSignatureError) return { ok: false, reason: error.message };
    throw error;
  }
}
