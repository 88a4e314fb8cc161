/**
 * DEV-ONLY fixtures: signing keys, TLS material, demo clients and demo users.
 * Generated once by scripts/generate-dev-fixtures.mjs and committed. Never use in production.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';

/** Absolute path of apps/auth-server/dev-fixtures (works from src/ and from dist/). */
export const DEV_FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dev-fixtures');

/** Client ids of the seeded demo clients. */
export const DPOP_CLIENT_ID = 'dpop-client';
export const MTLS_CLIENT_ID = 'mtls-client';
export const RS_CLIENT_ID = 'rs-client';

export interface DemoUser {
  username: string;
  password: string;
  sub: string;
  name: string;
  email: string;
}

export interface DevFixtures {
  /** Private JWKS the AS signs with (one PS256 RSA key, one ES256 EC key). */
  asSigningKeys: { keys: JWK[] };
  /** PEM material of the dev TLS server (SAN 127.0.0.1, ::1, localhost) and the CA that issued it. */
  tls: { ca: string; cert: string; key: string };
  clients: {
    /**
     * private_key_jwt (ES256) client whose access tokens are DPoP-bound; the same key signs its
     * requests (HTTP message signatures).
     */
    dpop: { clientId: string; privateJwk: JWK };
    /**
     * self_signed_tls_client_auth client whose access tokens are certificate-bound; `signingJwk`
     * is its request-signing key (HTTP message signatures), registered in its jwks.
     */
    mtls: { clientId: string; cert: string; key: string; signingJwk: JWK };
    /** Resource-server client that may call the introspection endpoint (private_key_jwt, PS256). */
    rs: { clientId: string; privateJwk: JWK };
  };
  users: DemoUser[];
  /** The sample API's response-signing key (ES256), published at its JWKS. */
  apiResponseSigningJwk: JWK;
}

const read = (rel: string): string => readFileSync(join(DEV_FIXTURES_DIR, rel), 'utf8');
const readJson = <T>(rel: string): T => JSON.parse(read(rel)) as T;

let cached: DevFixtures | undefined;

/** Loads (once) every file of dev-fixtures/. */
export function loadDevFixtures(): DevFixtures {
  cached ??= {
    asSigningKeys: readJson<{ keys: JWK[] }>('as-signing-keys.json'),
    tls: {
      ca: read('tls/ca.crt.pem'),
      cert: read('tls/server.crt.pem'),
      key: read('tls/server.key.pem'),
    },
    clients: {
      dpop: {
        clientId: DPOP_CLIENT_ID,
        privateJwk: readJson<JWK>('clients/dpop-client.private.jwk.json'),
      },
      mtls: {
        clientId: MTLS_CLIENT_ID,
        cert: read('clients/mtls-client.crt.pem'),
        key: read('clients/mtls-client.key.pem'),
        signingJwk: readJson<JWK>('clients/mtls-client.signing.private.jwk.json'),
      },
      rs: {
        clientId: RS_CLIENT_ID,
        privateJwk: readJson<JWK>('clients/rs-client.private.jwk.json'),
      },
    },
    users: readJson<DemoUser[]>('users.json'),
    apiResponseSigningJwk: readJson<JWK>('api/response-signing.private.jwk.json'),
  };
  return cached;
}

/** The public half of a private JWK (drops every private member). */
export function publicJwk(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...pub } = jwk;
  return pub;
}
