import { base64urlDecode, utf8Decode } from './crypto.js';

/** A compact JWS split into its parts; nothing is verified yet. */
export interface ParsedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** ASCII `base64url(header) "." base64url(payload)`: what the signature covers. */
  signingInput: string;
  signature: Uint8Array;
}

/**
 * Splits a compact JWS (RFC 7515 §7.1) and decodes its header and payload as JSON objects.
 * Returns undefined for anything malformed: wrong segment count, bytes outside base64url,
 * JSON that is not an object, or input longer than `maxLength`.
 */
export function parseCompactJws(jws: string, maxLength: number): ParsedJws | undefined {
  if (jws.length > maxLength) return undefined;
  const first = jws.indexOf('.');
  const second = jws.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || jws.indexOf('.', second + 1) >= 0) return undefined;
  const header = decodeJsonObject(jws.slice(0, first));
  const payload = header && decodeJsonObject(jws.slice(first + 1, second));
  const signature = payload && base64urlDecode(jws.slice(second + 1));
  if (!header || !payload || !signature) return undefined;
  return { header, payload, signingInput: jws.slice(0, second), signature };
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = base64urlDecode(segment);
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(utf8Decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
