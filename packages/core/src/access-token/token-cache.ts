/** Verified JWT access tokens kept to skip re-verifying their signatures (the `tokenCache` option). */
import { BoundedCache } from '../lib/bounded-cache.js';
import {
  assertInteger,
  assertKnownKeys,
  assertObject,
  assertSeconds,
} from '../lib/option-checks.js';
import type { AccessTokenClaims } from './claims.js';
import type { KeyResolver } from './keys.js';

/**
 * The `tokenCache` option.
 *
 * @example
 * createResourceServer({ ...options, tokenCache: { max: 50_000, maxTtlSeconds: 60 } });
 */
export interface TokenCacheOptions {
  /** Most tokens kept. Default 10000. */
  max?: number;
  /** Longest a verification is reused. Default 300, at most 86400. */
  maxTtlSeconds?: number;
}

/** {@link TokenCacheOptions} after validation. */
export interface TokenCacheSettings {
  max: number;
  maxTtlS: number;
}

export const DEFAULT_TOKEN_CACHE_MAX = 10_000;
export const DEFAULT_TOKEN_CACHE_TTL_S = 300;

/** The bounds of a `{ max, maxTtlSeconds }` cache option. */
export interface CacheBounds {
  defaultMax: number;
  defaultTtlS: number;
  maxTtlS: number;
}

/**
 * Validates a `{ max, maxTtlSeconds }` cache option (`tokenCache`, `introspection.cache`):
 * undefined when caching is off (`false`), TypeErrors naming `option`.
 */
export function resolveCacheOptions(
  option: string,
  value: { max?: number; maxTtlSeconds?: number } | false | undefined,
  bounds: CacheBounds,
): TokenCacheSettings | undefined {
  if (value === false) return undefined;
  const given = value ?? {};
  assertObject(option, given);
  assertKnownKeys(option, given, ['max', 'maxTtlSeconds']);
  return {
    max: assertInteger(`${option}.max`, given.max, bounds.defaultMax, 1),
    maxTtlS: assertSeconds(
      `${option}.maxTtlSeconds`,
      given.maxTtlSeconds,
      bounds.defaultTtlS,
      bounds.maxTtlS,
    ),
  };
}

/** Validates the `tokenCache` option: undefined when caching is off (`false`). */
export function resolveTokenCacheOptions(
  value: TokenCacheOptions | false | undefined,
): TokenCacheSettings | undefined {
  return resolveCacheOptions('tokenCache', value, {
    defaultMax: DEFAULT_TOKEN_CACHE_MAX,
    defaultTtlS: DEFAULT_TOKEN_CACHE_TTL_S,
    maxTtlS: 86_400,
  });
}

/** A verified access token: its claims, its issuer, and the issuer's key generation then. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  issuer: string;
  generation: number;
}

/** A verified token as cached, with its `ath` (SHA-256 of the token) kept for proofs. */
export interface CachedToken extends VerifiedToken {
  ath: string;
}

/**
 * A verified token with its `ath`, field by field: `{ ...token, ath }` (a spread that adds a
 * field) costs V8 about 1 µs, this literal a few ns.
 */
export function withAth(token: VerifiedToken, ath: string): CachedToken {
  return { claims: token.claims, issuer: token.issuer, generation: token.generation, ath };
}

/**
 * Keyed by the access token string itself (a map lookup, no hash on the hot path). An entry
 * lives until the token's `exp` plus the clock tolerance or `maxTtlS`, whichever is sooner,
 * and is ignored once its issuer's key set changed (`KeyResolver.generation`).
 */
export class TokenCache {
  readonly #entries: BoundedCache<CachedToken>;
  readonly #maxTtlMs: number;
  readonly #clockToleranceS: number;

  constructor(settings: TokenCacheSettings, clockToleranceS: number) {
    this.#entries = new BoundedCache(settings.max);
    this.#maxTtlMs = settings.maxTtlS * 1000;
    this.#clockToleranceS = clockToleranceS;
  }

  /** The verified token, when still live and its issuer's keys unchanged. */
  get(
    token: string,
    nowMs: number,
    issuers: ReadonlyMap<string, KeyResolver>,
  ): CachedToken | undefined {
    const cached = this.#entries.get(token, nowMs);
    return cached && cached.generation === issuers.get(cached.issuer)?.generation
      ? cached
      : undefined;
  }

  set(token: string, verified: CachedToken, nowMs: number): void {
    const expiresAtMs = Math.min(
      (verified.claims.exp + this.#clockToleranceS) * 1000,
      nowMs + this.#maxTtlMs,
    );
    this.#entries.set(token, verified, expiresAtMs, nowMs);
  }

  clear(): void {
    this.#entries.clear();
  }
}
