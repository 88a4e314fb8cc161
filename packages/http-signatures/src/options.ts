/**
 * Options of {@link httpSignatures}, validated once when the verifier is made: every mistake is
 * a TypeError naming the option, never a check silently skipped.
 */
import { memoryReplayStore, type ReplayStore } from '@fapi-guard/core';
import type { JsonWebKey } from 'node:crypto';
import {
  SIGNATURE_ALGORITHMS,
  isSignatureAlgorithm,
  type SignatureAlgorithm,
} from './algorithms.js';

/** Default and upper bound of the `created` window (FAPI HTTP Signatures recommends 1 minute). */
export const DEFAULT_MAX_AGE_S = 60;
export const MAX_MAX_AGE_S = 300;
/** How far in the future `created` may be (clock skew between client and server). */
export const DEFAULT_CLOCK_TOLERANCE_S = 5;
/** Longest `nonce` or `keyid` accepted. */
export const MAX_PARAMETER_LENGTH = 256;

/**
 * How signed requests are verified.
 *
 * @example
 * httpSignatures({
 *   resolveClientKey: async (clientId, keyId) => directory.signingKey(clientId, keyId),
 *   maxAgeSeconds: 60,
 * });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.2
 */
export interface HttpSignatureOptions {
  /**
   * The public JWK `keyId` names among the keys registered for `clientId`, or undefined. Only
   * the requesting client's keys may be returned: a key of another client must never verify.
   * The JWK's `alg` (an RFC 9421 or JWS name) decides the algorithm; without it EC P-256 means
   * `ecdsa-p256-sha256` and Ed25519 `ed25519`, and RSA keys are refused.
   */
  resolveClientKey(
    clientId: string,
    keyId: string,
  ): JsonWebKey | undefined | Promise<JsonWebKey | undefined>;
  /** Oldest `created` accepted, in seconds (default 60, at most 300). */
  maxAgeSeconds?: number;
  /** How far in the future `created` may be, in seconds (default 5, at most 60). */
  clockToleranceSeconds?: number;
  /** Algorithms accepted (default: all of {@link SIGNATURE_ALGORITHMS}). HMAC is never. */
  algorithms?: readonly SignatureAlgorithm[];
  /** Records `nonce` values seen (default: an in-memory store, closed by `close()`). */
  replayStore?: ReplayStore;
  /** Milliseconds since the epoch (default `Date.now`). */
  clock?: () => number;
}

const KNOWN_KEYS = [
  'resolveClientKey',
  'maxAgeSeconds',
  'clockToleranceSeconds',
  'algorithms',
  'replayStore',
  'clock',
];

/** The options with their defaults in force. */
export interface ResolvedSignatureOptions {
  resolveClientKey: HttpSignatureOptions['resolveClientKey'];
  maxAgeS: number;
  clockToleranceS: number;
  algorithms: readonly SignatureAlgorithm[];
  replayStore: ReplayStore;
  ownsReplayStore: boolean;
  clock: () => number;
}

function fail(option: string, message: string): never {
  throw new TypeError(`httpSignatures.${option}: ${message}`);
}

function seconds(option: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(option, `must be a number of seconds from 0 to ${max}`);
  }
  return value;
}

/** Validates the options; throws a TypeError naming the first bad one. */
export function resolveSignatureOptions(options: HttpSignatureOptions): ResolvedSignatureOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('httpSignatures: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.includes(key)) fail(key, `unknown option (known: ${KNOWN_KEYS.join(', ')})`);
  }
  if (typeof options.resolveClientKey !== 'function')
    fail('resolveClientKey', 'must be a function');
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    fail('clock', 'must be a function');
  }
  const algorithms = options.algorithms ?? SIGNATURE_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    fail('algorithms', 'must be a non-empty array');
  }
  for (const algorithm of algorithms as unknown[]) {
    if (!isSignatureAlgorithm(algorithm)) {
      fail('algorithms', `${String(algorithm)} is not one of ${SIGNATURE_ALGORITHMS.join(', ')}`);
    }
  }
  const store = options.replayStore;
  if (store !== undefined && typeof store?.checkAndStore !== 'function') {
    fail('replayStore', 'must have a checkAndStore(key, ttlSeconds) method');
  }
  return {
    resolveClientKey: options.resolveClientKey,
    maxAgeS: seconds('maxAgeSeconds', options.maxAgeSeconds, DEFAULT_MAX_AGE_S, MAX_MAX_AGE_S),
    clockToleranceS: seconds(
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      DEFAULT_CLOCK_TOLERANCE_S,
      60,
    ),
    algorithms: Object.freeze([...(algorithms as SignatureAlgorithm[])]),
    replayStore: store ?? memoryReplayStore(),
    ownsReplayStore: store === undefined,
    clock: options.clock ?? Date.now,
  };
}
