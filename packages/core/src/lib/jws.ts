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
  const parts = splitCompactJws(jws, maxLength);
  const header = parts && decodeJsonObject(parts.header);
  const payload = header && decodeJsonObject((parts as JwsSegments).payload);
  const signature = payload && base64urlDecode((parts as JwsSegments).signature);
  if (!parts || !header || !payload || !signature) return undefined;
  return { header, payload, signingInput: parts.signingInput, signature };
}

/** The three encoded segments of a compact JWS, not decoded. */
export interface JwsSegments {
  header: string;
  payload: string;
  signature: string;
  signingInput: string;
}

/** Splits a compact JWS into exactly three segments (undefined otherwise, or when too long). */
export function splitCompactJws(jws: string, maxLength: number): JwsSegments | undefined {
  if (jws.length > maxLength) return undefined;
  const first = jws.indexOf('.');
  const second = jws.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || jws.indexOf('.', second + 1) >= 0) return undefined;
  return {
    header: jws.slice(0, first),
    payload: jws.slice(first + 1, second),
    signature: jws.slice(second + 1),
    signingInput: jws.slice(0, second),
  };
}

/** Decodes one base64url segment holding a JSON object; undefined for anything else. */
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
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
