import type { JSONWebKeySet } from 'jose';
import { FapiError } from '../errors.js';
import { fail, httpsUrl } from '../lib/option-checks.js';
import type { IssuerOptions, ResourceServerOptions } from '../options.js';
import { localJwks, remoteJwks, type KeyResolver, type RemoteJwksOptions } from './keys.js';

/** For issuers whose tokens are only introspected: every JWT is refused for want of a key. */
export const NO_KEYS: KeyResolver = {
  generation: 0,
  getKey: () => Promise.reject(new FapiError('ERR_FAPI_TOKEN_KEY_NOT_FOUND')),
};

function keyResolver(
  option: string,
  source: { jwks?: JSONWebKeySet; jwksUri?: string | URL; keys?: KeyResolver },
  remote: RemoteJwksOptions,
  keysOptional: boolean,
): KeyResolver {
  const given = [source.jwks, source.jwksUri, source.keys].filter((v) => v !== undefined).length;
  if (given === 0 && keysOptional) return NO_KEYS;
  if (given !== 1) fail(option, 'exactly one of jwks, jwksUri or keys is required');
  if (source.keys) return source.keys;
  if (source.jwksUri !== undefined)
    return remoteJwks(httpsUrl(`${option}.jwksUri`, source.jwksUri), remote);
  const jwks = source.jwks as JSONWebKeySet;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    fail(`${option}.jwks`, 'must be a JWK Set ({ keys: [...] })');
  }
  try {
    return localJwks(jwks);
  } catch {
    fail(`${option}.jwks`, 'is not a valid JWK Set');
  }
}

export function resolveIssuers(
  options: ResourceServerOptions,
  remote: RemoteJwksOptions,
): Map<string, KeyResolver> {
  const keysOptional = options.introspection !== undefined && !options.introspection.jwtResponse;
  const list = Array.isArray(options.issuer) ? options.issuer : [options.issuer];
  if (list.length === 0) fail('issuer', 'at least one issuer is required');
  const map = new Map<string, KeyResolver>();
  let shared: KeyResolver | undefined;
  for (const entry of list as Array<string | IssuerOptions>) {
    if (typeof entry === 'string') {
      if (!entry) fail('issuer', 'must be a non-empty string');
      shared ??= keyResolver('options', options, remote, keysOptional);
      map.set(entry, shared);
    } else if (typeof entry === 'object' && entry !== null && typeof entry.issuer === 'string') {
      map.set(entry.issuer, keyResolver(`issuer[${entry.issuer}]`, entry, remote, keysOptional));
    } else {
      fail('issuer', 'must be a string, an { issuer, jwks | jwksUri | keys } object, or a list');
    }
  }
  return map;
}
