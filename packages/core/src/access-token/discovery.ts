/**
 * Authorization-server discovery (RFC 8414, OpenID Connect Discovery 1.0): an issuer configured
 * by its identifier alone. The metadata document gives the `jwks_uri` (and, for opaque tokens,
 * the `introspection_endpoint`); it is fetched with the bounds, cache and cooldown of the
 * remote JWKS (`jwksOptions`).
 */
import { FapiError } from '../errors.js';
import { assertHttpsUrl } from '../lib/option-checks.js';
import { createRemoteJwks, type KeyResolver, type RemoteJwksSettings } from './keys.js';

/**
 * The members of an authorization server's metadata that the resource server uses.
 *
 * @example
 * const { jwks_uri } = await discovery.current();
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint?: string;
}

/**
 * An issuer's metadata, cached: {@link Discovery.current} answers from the cache (refreshing a
 * copy older than `maxAgeMs`, serving it while the AS is down for up to `maxStaleMs`),
 * {@link Discovery.refresh} refetches at most once per `cooldownMs`.
 *
 * @example
 * const discovery = createDiscovery('issuer', 'https://as.bank.example', settings);
 * const metadata = await discovery.current();
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export interface Discovery {
  readonly issuer: string;
  current(): Promise<AuthorizationServerMetadata>;
  /** Refetches unless the last attempt is younger than the cooldown; true if it refetched. */
  refresh(): Promise<boolean>;
}

/**
 * Where an issuer's metadata is looked for, in order: the RFC 8414 location (the well-known
 * segment inserted between host and path, a terminating `/` removed), then OpenID Connect
 * Discovery's (`{issuer}/.well-known/openid-configuration`).
 *
 * @example
 * discoveryUrls(new URL('https://as.bank.example/tenant'));
 * // ['https://as.bank.example/.well-known/oauth-authorization-server/tenant',
 * //  'https://as.bank.example/tenant/.well-known/openid-configuration']
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function discoveryUrls(issuer: URL): [string, string] {
  const path = issuer.pathname.replace(/\/$/, '');
  return [
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.origin}${path}/.well-known/openid-configuration`,
  ];
}

const discoveries = new WeakMap<KeyResolver, Discovery>();

/**
 * The discovery behind a key resolver made by {@link discoveredJwks}, if it is one.
 *
 * @example
 * const endpoint = (await discoveryOf(issuers.get(issuer))?.current())?.introspection_endpoint;
 */
export function discoveryOf(keys: KeyResolver | undefined): Discovery | undefined {
  return keys && discoveries.get(keys);
}

/**
 * Fetches and caches an issuer's metadata. The issuer must be https (plain http only on a
 * loopback host), checked here; the document must be a JSON object within `maxBytes` whose
 * `issuer` is identical to the configured one (mix-up defence, RFC 8414 §3.3) and whose
 * `jwks_uri` (and `introspection_endpoint`, when present) is https. Does NOT follow redirects.
 * Failures at first use are ERR_FAPI_KEYS_UNAVAILABLE (503).
 *
 * @example
 * const discovery = createDiscovery('issuer', 'https://as.bank.example', settings);
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function createDiscovery(
  option: string,
  issuer: string,
  settings: RemoteJwksSettings,
): Discovery {
  const urls = discoveryUrls(assertHttpsUrl(option, issuer));
  const { clock, cooldownMs, maxAgeMs, maxStaleMs, failureBackoffMs } = settings;
  let loaded: { metadata: AuthorizationServerMetadata; fetchedAtMs: number } | undefined;
  let pending: Promise<void> | undefined;
  let lastAttemptMs = -Infinity;
  let lastFailureMs = -Infinity;

  async function load(): Promise<void> {
    lastAttemptMs = clock();
    try {
      loaded = { metadata: await fetchMetadata(urls, issuer, settings), fetchedAtMs: clock() };
    } catch (cause) {
      lastFailureMs = clock();
      throw new FapiError('ERR_FAPI_KEYS_UNAVAILABLE', { cause });
    }
  }

  function reload(): Promise<void> {
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  /** Read through a function: `loaded` changes across the awaits above. */
  function cachedMetadata(): AuthorizationServerMetadata {
    if (!loaded) throw new FapiError('ERR_FAPI_KEYS_UNAVAILABLE');
    return loaded.metadata;
  }

  return {
    issuer,
    async current() {
      const nowMs = clock();
      if (!loaded) {
        if (pending) await pending;
        else if (nowMs - lastFailureMs < failureBackoffMs) {
          throw new FapiError('ERR_FAPI_KEYS_UNAVAILABLE');
        } else await reload();
        return cachedMetadata();
      }
      const ageMs = nowMs - loaded.fetchedAtMs;
      if (ageMs > maxAgeMs && nowMs - lastAttemptMs >= failureBackoffMs) {
        try {
          await reload();
        } catch (error) {
          if (ageMs > maxAgeMs + maxStaleMs) throw error;
        }
      }
      return loaded.metadata;
    },
    async refresh() {
      if (clock() - lastAttemptMs < cooldownMs) return false;
      try {
        await reload();
      } catch {
        // The cached document stays in use; the caller keeps its own error.
      }
      return true;
    },
  };
}

/** Tries each location; a non-200 answer moves to the next, a bad document is refused. */
async function fetchMetadata(
  urls: readonly string[],
  issuer: string,
  settings: RemoteJwksSettings,
): Promise<AuthorizationServerMetadata> {
  let status = 0;
  for (const url of urls) {
    const response = await settings.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const text = await readBounded(response, settings.maxBytes);
    if (response.status !== 200) {
      status = response.status;
      continue;
    }
    return validateMetadata(JSON.parse(text) as unknown, issuer);
  }
  throw new Error(`no authorization server metadata (last status ${status})`);
}

/** RFC 8414 §3.2, §3.3: a JSON object, the identical issuer, https endpoints. */
function validateMetadata(value: unknown, issuer: string): AuthorizationServerMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('metadata is not a JSON object');
  }
  const document = value as Record<string, unknown>;
  if (document.issuer !== issuer) throw new Error('metadata issuer is not the configured issuer');
  const endpoint = (member: string): string | undefined => {
    const given = document[member];
    if (given === undefined) return undefined;
    if (typeof given !== 'string') throw new Error(`metadata ${member} is not a string`);
    return assertHttpsUrl(`metadata ${member}`, given).href;
  };
  const jwksUri = endpoint('jwks_uri');
  if (jwksUri === undefined) throw new Error('metadata has no jwks_uri');
  const introspection = endpoint('introspection_endpoint');
  return {
    issuer,
    jwks_uri: jwksUri,
    ...(introspection === undefined ? {} : { introspection_endpoint: introspection }),
  };
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new Error('metadata response too large');
  const text = await response.text();
  if (text.length > maxBytes) throw new Error('metadata response too large');
  return text;
}

/**
 * The keys at the discovered `jwks_uri`, through the remote JWKS with the same settings. An
 * unknown `kid` (after the JWKS's own refetch) refetches the metadata too, at most once per
 * cooldown: a `jwks_uri` that changed is then used.
 *
 * @example
 * const keys = discoveredJwks(createDiscovery('issuer', issuer, settings), settings);
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function discoveredJwks(discovery: Discovery, settings: RemoteJwksSettings): KeyResolver {
  let jwksUri: string | undefined;
  let keys: KeyResolver | undefined;
  let offset = 0;

  async function resolver(): Promise<KeyResolver> {
    const { jwks_uri: uri } = await discovery.current();
    if (uri !== jwksUri || !keys) {
      if (keys) offset += keys.generation + 1;
      jwksUri = uri;
      keys = createRemoteJwks(uri, settings);
    }
    return keys;
  }

  const resolverOfIssuer: KeyResolver = {
    get generation() {
      return offset + (keys?.generation ?? 0);
    },
    async getKey(selector) {
      const first = await resolver();
      try {
        return await first.getKey(selector);
      } catch (error) {
        const notFound =
          error instanceof FapiError && error.code === 'ERR_FAPI_TOKEN_KEY_NOT_FOUND';
        if (!notFound || !(await discovery.refresh())) throw error;
        const next = await resolver();
        if (next === first) throw error;
        return next.getKey(selector);
      }
    },
  };
  discoveries.set(resolverOfIssuer, discovery);
  return resolverOfIssuer;
}
