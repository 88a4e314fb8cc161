/**
 * The `jwks` the AS registers for each seeded demo client (DEV ONLY). One source for the AS
 * (its client metadata, clients.ts) and for the sample API, which resolves request-signing keys
 * (HTTP message signatures) by `client_id` from it. No oidc-provider import: the API loads it.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { publicJwk, type DevFixtures } from './fixtures.js';

/** A client id with the public keys registered for it. */
export interface RegisteredClientKeys {
  client_id: string;
  jwks: { keys: JWK[] };
}

/** Public JWK (with x5c) for a PEM certificate, as a self_signed_tls_client_auth client registers it. */
export function certificateJwk(certPem: string): JWK {
  const cert = new X509Certificate(certPem);
  const jwk = createPublicKey(certPem).export({ format: 'jwk' }) as JWK;
  return { ...jwk, x5c: [cert.raw.toString('base64')] };
}

/**
 * The registered `jwks` of `dpop-client` (its private_key_jwt key, which also signs its
 * requests), `mtls-client` (its certificate, without `kid`, and its request-signing key) and
 * `rs-client` (its private_key_jwt key).
 *
 * @example
 * seededClientKeys(loadDevFixtures()).find((c) => c.client_id === 'mtls-client')?.jwks.keys.length; // 2
 */
export function seededClientKeys(fixtures: DevFixtures): RegisteredClientKeys[] {
  const { dpop, mtls, rs } = fixtures.clients;
  return [
    { client_id: dpop.clientId, jwks: { keys: [publicJwk(dpop.privateJwk)] } },
    {
      client_id: mtls.clientId,
      jwks: { keys: [certificateJwk(mtls.cert), publicJwk(mtls.signingJwk)] },
    },
    { client_id: rs.clientId, jwks: { keys: [publicJwk(rs.privateJwk)] } },
  ];
}
