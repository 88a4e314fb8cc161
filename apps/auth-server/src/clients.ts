/** The seeded demo clients (DEV ONLY): their metadata as the authorization server registers it. */
import type { ClientMetadata, JWK as ProviderJwk } from 'oidc-provider';
import type { JWK } from 'jose';
import { seededClientKeys } from './client-keys.js';
import { AUTHORIZATION_DETAILS_SCHEMAS } from './consent.js';
import { FAPI_ALGS, type SigningAlg } from './constants.js';
import type { DevFixtures } from './fixtures.js';

export { certificateJwk } from './client-keys.js';

function jwsAlg(jwk: JWK, fallback: SigningAlg): SigningAlg {
  return (FAPI_ALGS as readonly string[]).includes(jwk.alg ?? '')
    ? (jwk.alg as SigningAlg)
    : fallback;
}

/**
 * The seeded clients' metadata as the AS registers it. Their `jwks` come from
 * `seededClientKeys`, which the sample API reads too to resolve request-signing keys by
 * `client_id`, so a key is only ever its client's.
 *
 * @example
 * seededClients(loadDevFixtures(), []).find((c) => c.client_id === 'dpop-client')?.jwks;
 */
export function seededClients(fixtures: DevFixtures, redirectUris: string[]): ClientMetadata[] {
  const { dpop, mtls, rs } = fixtures.clients;
  const jwks = new Map(seededClientKeys(fixtures).map((c) => [c.client_id, c.jwks]));
  const registered = (clientId: string) => ({
    keys: (jwks.get(clientId)?.keys ?? []) as ProviderJwk[],
  });
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
      jwks: registered(dpop.clientId),
      dpop_bound_access_tokens: true,
    },
    {
      ...common,
      client_id: mtls.clientId,
      client_name: 'Demo mTLS client (self_signed_tls_client_auth)',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      // The certificate (client authentication) and the request-signing key (use sig, kid).
      jwks: registered(mtls.clientId),
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
      jwks: registered(rs.clientId),
      introspection_signed_response_alg: 'PS256',
    },
  ];
}
