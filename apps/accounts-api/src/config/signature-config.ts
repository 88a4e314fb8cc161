/**
 * Configuration of HTTP message signatures (RFC 9421): the API's response-signing key
 * (`RESPONSE_SIGNING_KEY_FILE`) and the registered client metadata request-signing keys are
 * resolved from (`CLIENT_METADATA_FILE`). Both default to the development AS's fixtures: the
 * dev response key, and the seeded clients exactly as that AS registers them.
 */
import type { JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SignatureAlgorithm } from '@fapi-guard/http-signatures';
// The keys the dev AS registers for its seeded clients (apps/auth-server), without its index.
import { seededClientKeys } from '../../../auth-server/dist/client-keys.js';
import { loadDevFixtures } from '../../../auth-server/dist/fixtures.js';

/** `RESPONSE_SIGNING_KEY_FILE` and `CLIENT_METADATA_FILE`, read by {@link signatureConfig}. */
export interface SignatureConfig {
  /** Signs payment responses; its public half is published at `/jwks`. */
  responseSigning: ResponseSigningConfig;
  /** The clients whose registered `jwks` may sign requests (each only for itself). */
  clients: RegisteredClient[];
  /**
   * `PLAYGROUND_CLIENT_KEYS=1`: also the dev AS's browser-playground clients (`playground-*`),
   * with the JWKS the AS hosts for each (their registered `jwks_uri`). Off by default.
   */
  playgroundClients: boolean;
}

/**
 * Reads both settings; throws a TypeError naming the variable when one is invalid.
 *
 * @example
 * signatureConfig(process.env).responseSigning.keyId;
 */
export function signatureConfig(env: NodeJS.ProcessEnv): SignatureConfig {
  const playground = env.PLAYGROUND_CLIENT_KEYS?.trim() ?? '';
  if (!['', '0', '1'].includes(playground)) fail('PLAYGROUND_CLIENT_KEYS', 'must be 1 or 0');
  return {
    responseSigning: responseSigningConfig(env),
    clients: registeredClients(env),
    playgroundClients: playground === '1',
  };
}

/** The key responses are signed with, and the `keyid` clients find it under in the JWKS. */
export interface ResponseSigningConfig {
  key: JsonWebKey;
  keyId: string;
  algorithm: SignatureAlgorithm;
}

/** A client as the AS registered it: the members the request-signing key lookup reads. */
export interface RegisteredClient {
  client_id: string;
  jwks?: { keys: readonly JsonWebKey[] } | undefined;
}

/** The dev response-signing key of apps/auth-server/dev-fixtures, from src/config or dist/config. */
export const DEV_RESPONSE_SIGNING_KEY_FILE = fileURLToPath(
  new URL(
    '../../../auth-server/dev-fixtures/api/response-signing.private.jwk.json',
    import.meta.url,
  ),
);

/** JWS `alg` of the key file to the RFC 9421 algorithm the response signatures use. */
const ALGORITHMS: Record<string, SignatureAlgorithm> = {
  ES256: 'ecdsa-p256-sha256',
  EdDSA: 'ed25519',
  PS512: 'rsa-pss-sha512',
};

function fail(variable: string, message: string): never {
  throw new TypeError(`${variable}: ${message}`);
}

function readJson(variable: string, path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(variable, `cannot read JSON from ${path} (${code ?? 'not JSON'})`);
  }
}

/**
 * The response-signing key: a private JWK with `kid` and `alg` ES256, EdDSA or PS512.
 *
 * @example
 * responseSigningConfig({ RESPONSE_SIGNING_KEY_FILE: '/etc/bank/rs-signing.jwk.json' });
 */
export function responseSigningConfig(env: NodeJS.ProcessEnv): ResponseSigningConfig {
  const variable = 'RESPONSE_SIGNING_KEY_FILE';
  const path = env[variable]?.trim() || DEV_RESPONSE_SIGNING_KEY_FILE;
  const key = readJson(variable, path) as JsonWebKey & { kid?: unknown };
  if (typeof key !== 'object' || key === null || typeof key.d !== 'string') {
    fail(variable, `${path} is not a private JWK`);
  }
  if (typeof key.kid !== 'string' || key.kid === '') fail(variable, `${path} has no kid`);
  const algorithm = ALGORITHMS[String(key.alg)];
  if (!algorithm) {
    fail(variable, `the key's alg must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
  }
  return { key, keyId: key.kid, algorithm };
}

/**
 * The registered clients whose request-signing keys the API accepts: `CLIENT_METADATA_FILE`
 * (a JSON array of client metadata, each `{ client_id, jwks }` as the AS registered it), or by
 * default the development AS's seeded clients.
 *
 * @example
 * registeredClients({}).map((c) => c.client_id); // ['dpop-client', 'mtls-client', 'rs-client']
 */
export function registeredClients(env: NodeJS.ProcessEnv): RegisteredClient[] {
  const variable = 'CLIENT_METADATA_FILE';
  const path = env[variable]?.trim();
  if (!path) return seededClientKeys(loadDevFixtures()) as RegisteredClient[];
  const clients = readJson(variable, path);
  if (!Array.isArray(clients)) fail(variable, `${path} must hold a JSON array of client metadata`);
  for (const [index, client] of clients.entries()) {
    const entry = client as Partial<RegisteredClient> | null;
    const keys = entry?.jwks?.keys;
    if (typeof entry?.client_id !== 'string' || entry.client_id === '') {
      fail(variable, `entry ${index} has no client_id`);
    }
    if (entry.jwks !== undefined && !Array.isArray(keys)) {
      fail(variable, `jwks of ${entry.client_id} must be { "keys": [...] }`);
    }
    if (keys?.some((k) => typeof k !== 'object' || k === null || 'd' in k)) {
      fail(variable, `jwks of ${entry.client_id} must hold public keys only`);
    }
  }
  return clients as RegisteredClient[];
}
