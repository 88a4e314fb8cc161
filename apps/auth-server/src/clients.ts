/** The seeded demo clients (DEV ONLY): their metadata as the authorization server registers it. */
import { X509Certificate, createPublicKey } from 'node:crypto';
import type { ClientMetadata, JWK as ProviderJwk } from 'oidc-provider';
import type { JWK } from 'jose';
import { AUTHORIZATION_DETAILS_SCHEMAS } from './consent.js';
import { FAPI_ALGS, type SigningAlg } from './constants.js';
import { publicJwk, type DevFixtures } from './fixtures.js';

/** Public JWK (with x5c) for a PEM certificate, as a self_signed_tls_client_auth client registers it. */
export function certificateJwk(certPem: string): JWK {
  const cert = new X509Certificate(certPem);
  const jwk = createPublicKey(certPem).export({ format: 'jwk' }) as JWK;
  return { ...jwk, x5c: [cert.raw.toString('base64')] };
}

function jwsAlg(jwk: JWK, fallback: SigningAlg): SigningAlg {
  return (FAPI_ALGS as readonly string[]).includes(jwk.alg ?? '')
    ? (jwk.alg as SigningAlg)
    : fallback;
}

export function seededClients(fixtures: DevFixtures, redirectUris: string[]): ClientMetadata[] {
  const { dpop, mtls, rs } = fixtures.clients;
  const common = {
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'PS256',
    authorization_details_types: Object.keys(AUTHORIZATION_DETAILS_SCHEMAS),
  } satisfies Partial<ClientMetadata>;
  return [
    {
      ...common,
      client_id: dpop.clientId,
      client_name: 'Demo DPoP client (private_key_jwt)',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: jwsAlg(dpop.privateJwk, 'ES256'),
      jwks: { keys: [publicJwk(dpop.privateJwk) as ProviderJwk] },
      dpop_bound_access_tokens: true,
    },
    {
      ...common,
      client_id: mtls.clientId,
      client_name: 'Demo mTLS client (self_signed_tls_client_auth)',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [certificateJwk(mtls.cert) as ProviderJwk] },
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      client_id: rs.clientId,
      client_name: 'Demo resource server (introspection)',
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: jwsAlg(rs.privateJwk, 'PS256'),
      jwks: { keys: [publicJwk(rs.privateJwk) as ProviderJwk] },
      introspection_signed_response_alg: 'PS256',
    },
  ];
}
