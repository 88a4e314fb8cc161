/**
 * Publishing the resource server's response-signing key: the public JWK for its JWKS and the
 * RFC 9728 metadata members that point clients at it.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { importPrivateKey, isSignatureAlgorithm, type SignatureAlgorithm } from './algorithms.js';

/** The JWS name of each algorithm, for `resource_signing_alg_values_supported`. */
const JWS_NAMES: Record<SignatureAlgorithm, string> = {
  'ecdsa-p256-sha256': 'ES256',
  ES256: 'ES256',
  ed25519: 'EdDSA',
  EdDSA: 'EdDSA',
  PS256: 'PS256',
  // RSASSA-PSS with SHA-512 and a 64-byte salt: the same computation as JWS PS512.
  'rsa-pss-sha512': 'PS512',
};

/**
 * The public JWK of a response-signing key, with `kid`, `alg` and `use: 'sig'`, for the JWKS
 * clients fetch (a client using this package's verifier reads `alg` to pick the algorithm).
 *
 * @example
 * app.get('/jwks', (req, res) => res.json({ keys: [responseSigningJwk(privateKey, 'rs-1', 'ed25519')] }));
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export function responseSigningJwk(
  key: JsonWebKey | KeyObject,
  keyId: string,
  algorithm: SignatureAlgorithm,
): JsonWebKey {
  if (!isSignatureAlgorithm(algorithm))
    throw new TypeError(`algorithm: ${String(algorithm)} is not supported`);
  if (typeof keyId !== 'string' || keyId === '')
    throw new TypeError('keyId: must be a non-empty string');
  const publicKey = createPublicKey(importPrivateKey(key));
  return { ...publicKey.export({ format: 'jwk' }), kid: keyId, alg: algorithm, use: 'sig' };
}

/**
 * The RFC 9728 members announcing response signatures: `jwks_uri` and
 * `resource_signing_alg_values_supported` (JWS names), to pass to `rs.metadata(...)`.
 *
 * @example
 * res.json(rs.metadata(responseSigningMetadata('https://api.bank.example/jwks', ['ed25519'])));
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function responseSigningMetadata(
  jwksUri: string,
  algorithms: readonly SignatureAlgorithm[],
): { jwks_uri: string; resource_signing_alg_values_supported: string[] } {
  if (!/^https:\/\//.test(jwksUri)) throw new TypeError('jwksUri: must be an https URL');
  if (algorithms.length === 0 || !algorithms.every(isSignatureAlgorithm)) {
    throw new TypeError('algorithms: must be a non-empty list of supported algorithms');
  }
  return {
    jwks_uri: jwksUri,
    resource_signing_alg_values_supported: [...new Set(algorithms.map((a) => JWS_NAMES[a]))],
  };
}
