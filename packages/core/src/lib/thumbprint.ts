import { sha256Base64url } from './crypto.js';

/** Required members per key type, in the lexicographic order RFC 7638 §3.2 prescribes. */
const REQUIRED: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * RFC 7638 SHA-256 JWK thumbprint, base64url. Computed synchronously because it runs on every
 * DPoP request. Returns undefined when a required member is missing or not a string.
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string | undefined {
  const members = typeof jwk.kty === 'string' ? REQUIRED[jwk.kty] : undefined;
  if (!members) return undefined;
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') return undefined;
    canonical[name] = value;
  }
  return sha256Base64url(JSON.stringify(canonical));
}
