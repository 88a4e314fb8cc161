import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { FapiError } from '../errors.js';
import { toPublicKey, type PublicKey } from '../lib/crypto.js';
import {
  assertFunction,
  assertInteger,
  assertKnownKeys,
  assertMilliseconds,
  assertObject,
} from '../lib/option-checks.js';

/**
 * The JWS header members key selection looks at.
 *
 * @example
 * resolver.getKey({ alg: 'ES256', kid: 'key-2026' });
 */
export interface KeySelector {
  alg: string;
  kid?: string | undefined;
}

/**
 * Where an issuer's signing keys come from. `getKey` returns the one key that matches the
 * header (kid, and kty/alg/crv/use as RFC 7517 and SP 5.4.3 require), or throws a FapiError:
 * ERR_FAPI_TOKEN_KEY_NOT_FOUND, or ERR_FAPI_KEYS_UNAVAILABLE when the keys cannot be had.
 *
 * @example
 * const keys: KeyResolver = { generation: 0, getKey: async ({ kid }) => vault.publicKey(kid) };
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export interface KeyResolver {
  getKey(selector: KeySelector): Promise<PublicKey>;
  /** Changes whenever the key set changes, so verifications cached earlier are redone. */
  readonly generation: number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** Selects a key with jose, keeping only the mapping to our error codes here. */
async function select(set: LocalSet, selector: KeySelector): Promise<PublicKey> {
  try {
    return toPublicKey(await set({ alg: selector.alg, kid: selector.kid }));
  } catch (cause) {
    throw new FapiError('ERR_FAPI_TOKEN_KEY_NOT_FOUND', { cause });
  }
}

/**
 * Keys from a JWKS held in memory (for example loaded from configuration).
 *
 * @example
 * createResourceServer({ issuer: { issuer, keys: localJwks({ keys: [publicJwk] }) }, audience });
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function localJwks(jwks: JSONWebKeySet): KeyResolver {
  const set = createLocalJWKSet(jwks);
  return { generation: 0, getKey: (selector) => select(set, selector) };
}

/**
 * How a remote JWKS is fetched and cached; every member is validated by {@link remoteJwks}.
 *
 * @example
 * remoteJwks('https://as.bank.example/jwks', { timeoutMs: 2000, maxAgeMs: 300_000 });
 */
export interface RemoteJwksOptions {
  /** Abort a JWKS fetch after this long. Default 5000 ms, at most 60000. */
  timeoutMs?: number;
  /** Refetch for an unknown `kid` at most once per this period. Default 30000 ms, at most 1 h. */
  cooldownMs?: number;
  /** Refresh a JWKS older than this. Default 600000 ms (10 minutes), from 1 s to 24 h. */
  maxAgeMs?: number;
  /** Keep serving the last good JWKS this long past `maxAgeMs` while the endpoint fails. Default 24 h, at most 7 days. */
  maxStaleMs?: number;
  /** After a failed fetch, wait this long before trying again. Default 1000 ms, at most 10 minutes. */
  failureBackoffMs?: number;
  /** Largest JWKS accepted, in bytes. Default 512 KiB, from 1 KiB to 16 MiB. */
  maxBytes?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Transport. Default the global `fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** {@link RemoteJwksOptions} after validation, every default applied. */
export type RemoteJwksSettings = Required<RemoteJwksOptions>;

export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
export const DEFAULT_JWKS_MAX_AGE_MS = 600_000;
export const DEFAULT_JWKS_MAX_STALE_MS = 86_400_000;
export const DEFAULT_JWKS_FAILURE_BACKOFF_MS = 1_000;
export const DEFAULT_JWKS_MAX_BYTES = 512 * 1024;

const REMOTE_JWKS_OPTION_KEYS: readonly (keyof RemoteJwksOptions)[] = [
  'timeoutMs',
  'cooldownMs',
  'maxAgeMs',
  'maxStaleMs',
  'failureBackoffMs',
  'maxBytes',
  'clock',
  'fetch',
];

/**
 * Validates remote JWKS options, naming each as `option.member`; `clock` is refused when
 * `allowClock` is false (the resource server passes its own).
 */
export function resolveRemoteJwksOptions(
  option: string,
  value: RemoteJwksOptions | undefined,
  allowClock = true,
): RemoteJwksSettings {
  const given = value ?? {};
  assertObject(option, given);
  assertKnownKeys(
    option,
    given,
    allowClock ? REMOTE_JWKS_OPTION_KEYS : REMOTE_JWKS_OPTION_KEYS.filter((k) => k !== 'clock'),
  );
  const ms = (member: keyof RemoteJwksOptions, fallback: number, min: number, max: number) =>
    assertMilliseconds(`${option}.${member}`, given[member], fallback, min, max);
  return {
    timeoutMs: ms('timeoutMs', DEFAULT_JWKS_TIMEOUT_MS, 1, 60_000),
    cooldownMs: ms('cooldownMs', DEFAULT_JWKS_COOLDOWN_MS, 0, 3_600_000),
    maxAgeMs: ms('maxAgeMs', DEFAULT_JWKS_MAX_AGE_MS, 1_000, 86_400_000),
    maxStaleMs: ms('maxStaleMs', DEFAULT_JWKS_MAX_STALE_MS, 0, 7 * 86_400_000),
    failureBackoffMs: ms('failureBackoffMs', DEFAULT_JWKS_FAILURE_BACKOFF_MS, 0, 600_000),
    maxBytes: assertInteger(
      `${option}.maxBytes`,
      given.maxBytes,
      DEFAULT_JWKS_MAX_BYTES,
      1024,
      16 * 1024 * 1024,
    ),
    clock: assertFunction(`${option}.clock`, given.clock) ?? Date.now,
    fetch:
      assertFunction(`${option}.fetch`, given.fetch) ??
      ((input, init) => globalThis.fetch(input, init)),
  };
}

interface Loaded {
  set: LocalSet;
  text: string;
  fetchedAtMs: number;
}

/**
 * Keys fetched from a JWKS URL (the AS's `jwks_uri`), cached and refreshed. Options are
 * validated here, once: misuse throws a TypeError naming `remoteJwks.<option>`.
 * - an unknown `kid` triggers one refetch, at most once per `cooldownMs` (RS-JWT-09);
 * - a stale set is refreshed in the background of the request that notices it, and the last
 *   good set keeps serving while the endpoint is down (up to `maxStaleMs`);
 * - concurrent requests share one fetch; each fetch is bounded by `timeoutMs` and `maxBytes`;
 * - no keys at all (first use, endpoint down) is ERR_FAPI_KEYS_UNAVAILABLE (503), never a 401.
 *
 * @example
 * const keys = remoteJwks('https://as.bank.example/jwks', { timeoutMs: 2000 });
 * createResourceServer({ issuer: { issuer: 'https://as.bank.example', keys }, audience });
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function remoteJwks(url: string | URL, options: RemoteJwksOptions = {}): KeyResolver {
  return createRemoteJwks(url, resolveRemoteJwksOptions('remoteJwks', options));
}

/** {@link remoteJwks} with options already validated. */
export function createRemoteJwks(url: string | URL, settings: RemoteJwksSettings): KeyResolver {
  const href = String(url);
  const { timeoutMs, cooldownMs, maxAgeMs, maxStaleMs, failureBackoffMs, maxBytes, clock } =
    settings;
  const fetchImpl = settings.fetch;

  let loaded: Loaded | undefined;
  let generation = 0;
  let pending: Promise<void> | undefined;
  let lastAttemptMs = -Infinity;
  let lastFailureMs = -Infinity;

  async function load(): Promise<void> {
    lastAttemptMs = clock();
    try {
      const response = await fetchImpl(href, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await readBounded(response, maxBytes);
      if (!response.ok) throw new Error(`JWKS endpoint answered ${response.status}`);
      if (loaded && text === loaded.text) {
        loaded.fetchedAtMs = clock();
        return;
      }
      const set = createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
      loaded = { set, text, fetchedAtMs: clock() };
      generation += 1;
    } catch (cause) {
      lastFailureMs = clock();
      throw new FapiError('ERR_FAPI_KEYS_UNAVAILABLE', { cause });
    }
  }

  function refresh(): Promise<void> {
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  async function current(): Promise<Loaded> {
    const nowMs = clock();
    if (!loaded) {
      if (pending) await pending;
      else if (nowMs - lastFailureMs < failureBackoffMs) {
        throw new FapiError('ERR_FAPI_KEYS_UNAVAILABLE');
      } else await refresh();
      if (!loaded) throw new FapiError('ERR_FAPI_KEYS_UNAVAILABLE');
      return loaded;
    }
    const ageMs = nowMs - loaded.fetchedAtMs;
    if (ageMs > maxAgeMs && nowMs - lastAttemptMs >= failureBackoffMs) {
      try {
        await refresh();
      } catch (error) {
        if (ageMs > maxAgeMs + maxStaleMs) throw error;
      }
    }
    return loaded;
  }

  return {
    get generation() {
      return generation;
    },
    async getKey(selector) {
      const keys = await current();
      try {
        return await select(keys.set, selector);
      } catch (notFound) {
        if (clock() - lastAttemptMs < cooldownMs) throw notFound;
        await refresh();
        return select((loaded as Loaded).set, selector);
      }
    },
  };
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new Error('JWKS response too large');
  const text = await response.text();
  if (text.length > maxBytes) throw new Error('JWKS response too large');
  return text;
}
