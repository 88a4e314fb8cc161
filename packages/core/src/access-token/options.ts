/** The `introspection` option: validated once, when the verifier is created. */
import type { JWK } from 'jose';
import { isFapiAlgorithm, type FapiAlgorithm } from '../algorithms.js';
import {
  assertFunction,
  assertHttpsUrl,
  assertKnownKeys,
  assertMilliseconds,
  assertObject,
  failOption,
} from '../lib/option-checks.js';
import { discoveryOf, type Discovery } from './discovery.js';
import { NO_KEYS } from './issuers.js';
import type { KeyResolver } from './keys.js';
import { resolveCacheOptions } from './token-cache.js';

/**
 * How the resource server authenticates to the introspection endpoint (RS-INT-01).
 *
 * @example
 * const auth: IntrospectionAuth = { method: 'private_key_jwt', key: privateJwk, alg: 'ES256' };
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export type IntrospectionAuth =
  /** FAPI: a client assertion signed with the resource server's private key. */
  | { method: 'private_key_jwt'; key: JWK; alg?: FapiAlgorithm }
  /** FAPI: mutual TLS; the certificate is presented by the `fetch` you pass (e.g. an undici Agent). */
  | { method: 'tls_client_auth' }
  /** Not FAPI: HTTP Basic with a client secret. */
  | { method: 'client_secret_basic'; secret: string };

/**
 * Opaque access tokens, introspected at the authorization server (RFC 7662).
 *
 * @example
 * createResourceServer({
 *   issuer: 'https://as.bank.example',
 *   audience: 'https://api.bank.example',
 *   introspection: {
 *     endpoint: 'https://as.bank.example/token/introspection',
 *     clientId: 'accounts-api',
 *     auth: { method: 'private_key_jwt', key: privateJwk },
 *   },
 * });
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export interface IntrospectionOptions {
  /**
   * The AS introspection endpoint: https (plain http only on loopback). May be left out when
   * the issuer uses `discovery`: the metadata's `introspection_endpoint` is then used.
   */
  endpoint?: string;
  /** This resource server's `client_id` at the AS. */
  clientId: string;
  auth: IntrospectionAuth;
  /** Ask for and verify signed responses (RFC 9701, FAPI 2.0 Message Signing). Default false. */
  jwtResponse?: boolean;
  /** The issuer answering (default: the only configured issuer). */
  issuer?: string;
  /** Abort an introspection call after this long. Default 5000 ms, at most 60000. */
  timeoutMs?: number;
  /**
   * Results kept, keyed by the token's SHA-256 (its `ath`). An entry lives at most
   * `maxTtlSeconds` (default 60, at most 3600) and never past the token's `exp`: a revoked token
   * can pass for up to that long. `max` (default 10000) bounds the entries. `false` disables.
   */
  cache?: false | { max?: number; maxTtlSeconds?: number };
  /** After the endpoint failed, answer 503 without calling it for this long. Default 1000 ms, at most 600000. */
  failureBackoffMs?: number;
  /** Transport; pass one bound to a TLS client certificate for `tls_client_auth`. */
  fetch?: typeof globalThis.fetch;
}

/** {@link IntrospectionOptions} after validation, every default applied. */
export interface IntrospectionSettings {
  /** Undefined when the endpoint comes from `discovery`. */
  endpoint: string | undefined;
  discovery: Discovery | undefined;
  clientId: string;
  /** The algorithm of `private_key_jwt` resolved (from `alg` or the key's own `alg`). */
  auth:
    | Exclude<IntrospectionAuth, { method: 'private_key_jwt' }>
    | { method: 'private_key_jwt'; key: JWK; alg: FapiAlgorithm };
  jwtResponse: boolean;
  /** The issuer answering: one of the configured issuers. */
  issuer: string;
  timeoutMs: number;
  /** Undefined when caching is off. */
  cache: { max: number; maxTtlS: number } | undefined;
  failureBackoffMs: number;
  fetch: typeof globalThis.fetch;
}

export const DEFAULT_INTROSPECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_INTROSPECTION_CACHE_MAX = 10_000;
export const DEFAULT_INTROSPECTION_CACHE_TTL_S = 60;
/** Longest an introspection result may be reused: revocation must bite within this. */
export const MAX_INTROSPECTION_CACHE_TTL_S = 3_600;
export const DEFAULT_INTROSPECTION_FAILURE_BACKOFF_MS = 1_000;

const INTROSPECTION_OPTION_KEYS: readonly (keyof IntrospectionOptions)[] = [
  'endpoint',
  'clientId',
  'auth',
  'jwtResponse',
  'issuer',
  'timeoutMs',
  'cache',
  'failureBackoffMs',
  'fetch',
];

/** Validates the `introspection` option against the configured issuers. */
export function resolveIntrospectionOptions(
  value: IntrospectionOptions | undefined,
  issuers: ReadonlyMap<string, KeyResolver>,
): IntrospectionSettings | undefined {
  if (value === undefined) return undefined;
  assertObject('introspection', value);
  assertKnownKeys('introspection', value, INTROSPECTION_OPTION_KEYS);
  if (typeof value.clientId !== 'string' || !value.clientId) {
    failOption('introspection.clientId', 'must be a non-empty string');
  }
  const jwtResponse = value.jwtResponse ?? false;
  if (typeof jwtResponse !== 'boolean')
    failOption('introspection.jwtResponse', 'must be a boolean');
  const issuer = value.issuer ?? (issuers.size === 1 ? [...issuers.keys()][0] : undefined);
  if (issuer === undefined || !issuers.has(issuer)) {
    failOption('introspection.issuer', 'must name one of the configured issuers');
  }
  if (jwtResponse && issuers.get(issuer) === NO_KEYS) {
    failOption('introspection.jwtResponse', "needs the issuer's keys (jwks, jwksUri or keys)");
  }
  const discovery = discoveryOf(issuers.get(issuer));
  if (value.endpoint !== undefined || !discovery) {
    assertHttpsUrl('introspection.endpoint', value.endpoint);
  }
  return {
    endpoint: value.endpoint,
    discovery,
    clientId: value.clientId,
    auth: clientAuthentication(value.auth),
    jwtResponse,
    issuer,
    timeoutMs: assertMilliseconds(
      'introspection.timeoutMs',
      value.timeoutMs,
      DEFAULT_INTROSPECTION_TIMEOUT_MS,
      1,
      60_000,
    ),
    cache: introspectionCache(value.cache),
    failureBackoffMs: assertMilliseconds(
      'introspection.failureBackoffMs',
      value.failureBackoffMs,
      DEFAULT_INTROSPECTION_FAILURE_BACKOFF_MS,
      0,
      600_000,
    ),
    fetch:
      assertFunction('introspection.fetch', value.fetch) ??
      ((input, init) => globalThis.fetch(input, init)),
  };
}

function clientAuthentication(auth: unknown): IntrospectionSettings['auth'] {
  assertObject('introspection.auth', auth);
  assertKnownKeys('introspection.auth', auth, ['method', 'key', 'alg', 'secret']);
  const given = auth as { method?: unknown; key?: unknown; alg?: unknown; secret?: unknown };
  if (given.method === 'private_key_jwt') {
    const key = given.key as JWK | undefined;
    if (typeof key !== 'object' || key === null || typeof key.d !== 'string') {
      failOption('introspection.auth.key', 'must be a private JWK');
    }
    const alg = given.alg ?? key.alg;
    if (!isFapiAlgorithm(alg)) {
      failOption('introspection.auth.alg', 'must be PS256, ES256 or EdDSA (or set key.alg)');
    }
    return { method: 'private_key_jwt', key, alg };
  }
  if (given.method === 'client_secret_basic') {
    if (typeof given.secret !== 'string' || !given.secret) {
      failOption('introspection.auth.secret', 'is required');
    }
    return { method: 'client_secret_basic', secret: given.secret };
  }
  if (given.method === 'tls_client_auth') return { method: 'tls_client_auth' };
  failOption(
    'introspection.auth.method',
    "must be 'private_key_jwt', 'tls_client_auth' or 'client_secret_basic'",
  );
}

function introspectionCache(value: IntrospectionOptions['cache']): IntrospectionSettings['cache'] {
  return resolveCacheOptions('introspection.cache', value, {
    defaultMax: DEFAULT_INTROSPECTION_CACHE_MAX,
    defaultTtlS: DEFAULT_INTROSPECTION_CACHE_TTL_S,
    maxTtlS: MAX_INTROSPECTION_CACHE_TTL_S,
  });
}
