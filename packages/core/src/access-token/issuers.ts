/** The `issuer` option (and the top-level key source): trusted issuers, each with its keys. */
import type { JSONWebKeySet } from 'jose';
import { FapiError } from '../errors.js';
import { assertHttpsUrl, assertKnownKeys, failOption } from '../lib/option-checks.js';
import { createDiscovery, discoveredJwks } from './discovery.js';
import { createRemoteJwks, localJwks, type KeyResolver, type RemoteJwksSettings } from './keys.js';

/**
 * A trusted authorization server and where its keys come from (exactly one of `jwks`,
 * `jwksUri`, `keys`, `discovery`).
 *
 * @example
 * createResourceServer({
 *   issuer: [
 *     { issuer: 'https://as.bank.example', jwksUri: 'https://as.bank.example/jwks' },
 *     { issuer: 'https://as2.bank.example', jwks: { keys: [publicJwk] } },
 *   ],
 *   audience: 'https://api.bank.example',
 * });
 */
export interface IssuerOptions {
  /** The exact `iss` value. */
  issuer: string;
  jwks?: JSONWebKeySet;
  jwksUri?: string | URL;
  /** Any other key source. */
  keys?: KeyResolver;
  /**
   * Find the keys (and the introspection endpoint) in the issuer's RFC 8414 / OpenID Connect
   * metadata, fetched with `jwksOptions`. The issuer must then be an https URL.
   */
  discovery?: boolean;
}

/** Where an issuer's keys come from: exactly one member is set. */
export type KeySource = Pick<IssuerOptions, 'jwks' | 'jwksUri' | 'keys' | 'discovery'>;

const ISSUER_OPTION_KEYS: readonly (keyof IssuerOptions)[] = [
  'issuer',
  'jwks',
  'jwksUri',
  'keys',
  'discovery',
];

/** For issuers whose tokens are only introspected: every JWT is refused for want of a key. */
export const NO_KEYS: KeyResolver = {
  generation: 0,
  getKey: () => Promise.reject(new FapiError('ERR_FAPI_TOKEN_KEY_NOT_FOUND')),
};

/**
 * Validates the `issuer` option: a string (keys from `shared`, the top-level `jwks`/`jwksUri`),
 * an {@link IssuerOptions}, or a list of either. `keysOptional` when every token of an issuer
 * may be introspected instead.
 */
export function resolveIssuers(
  value: unknown,
  shared: KeySource,
  remote: RemoteJwksSettings,
  keysOptional: boolean,
): Map<string, KeyResolver> {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) failOption('issuer', 'at least one issuer is required');
  const map = new Map<string, KeyResolver>();
  let sharedKeys: KeyResolver | undefined;
  // Top-level key options only serve string issuers: set beside object issuers alone, they
  // would be silently unused.
  if (!list.some((entry) => typeof entry === 'string')) {
    const unused = (['jwks', 'jwksUri', 'keys', 'discovery'] as const).filter(
      (name) => shared[name] !== undefined && shared[name] !== false,
    );
    if (unused.length > 0) {
      failOption(
        unused[0] as string,
        'applies to string issuers only; every issuer here is an object with its own key source',
      );
    }
  }
  for (const entry of list) {
    if (typeof entry === 'string') {
      if (!entry) failOption('issuer', 'must be a non-empty string');
      if (shared.discovery === true) {
        map.set(entry, keyResolver('options', shared, remote, keysOptional, entry));
        continue;
      }
      sharedKeys ??= keyResolver('options', shared, remote, keysOptional);
      map.set(entry, sharedKeys);
    } else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const { issuer } = entry as IssuerOptions;
      const option = `issuer[${String(issuer)}]`;
      assertKnownKeys(option, entry, ISSUER_OPTION_KEYS);
      if (typeof issuer !== 'string' || !issuer) failOption(option, 'issuer must be a string');
      map.set(issuer, keyResolver(option, entry as IssuerOptions, remote, keysOptional, issuer));
    } else {
      failOption(
        'issuer',
        'must be a string, an { issuer, jwks | jwksUri | keys | discovery } object, or a list',
      );
    }
  }
  return map;
}

function keyResolver(
  option: string,
  source: KeySource,
  remote: RemoteJwksSettings,
  keysOptional: boolean,
  issuer?: string,
): KeyResolver {
  if (source.discovery !== undefined && typeof source.discovery !== 'boolean') {
    failOption(`${option}.discovery`, 'must be a boolean');
  }
  const discovery = source.discovery === true ? true : undefined;
  const given = [source.jwks, source.jwksUri, source.keys, discovery].filter(
    (v) => v !== undefined,
  ).length;
  if (given === 0 && keysOptional) return NO_KEYS;
  if (given !== 1) {
    failOption(option, 'exactly one of jwks, jwksUri, keys or discovery is required');
  }
  if (discovery && issuer !== undefined) {
    const found = createDiscovery(`issuer[${issuer}] (discovery)`, issuer, remote);
    return discoveredJwks(found, remote);
  }
  if (source.keys !== undefined) {
    if (typeof source.keys !== 'object' || typeof source.keys.getKey !== 'function') {
      failOption(`${option}.keys`, 'must be a KeyResolver (getKey, generation)');
    }
    return source.keys;
  }
  if (source.jwksUri !== undefined) {
    return createRemoteJwks(assertHttpsUrl(`${option}.jwksUri`, source.jwksUri), remote);
  }
  const jwks: unknown = source.jwks;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as JSONWebKeySet).keys)) {
    failOption(`${option}.jwks`, 'must be a JWK Set ({ keys: [...] })');
  }
  try {
    return localJwks(jwks as JSONWebKeySet);
  } catch {
    failOption(`${option}.jwks`, 'is not a valid JWK Set');
  }
}
