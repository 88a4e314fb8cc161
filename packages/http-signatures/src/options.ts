/**
 * Options of {@link httpSignatures}, validated once when the verifier is made: every mistake is
 * a TypeError naming the option, never a check silently skipped.
 */
import { memoryReplayStore, type ReplayStore } from '@fapi-guard/core';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import {
  SIGNATURE_ALGORITHMS,
  importPrivateKey,
  isSignatureAlgorithm,
  keyFits,
  type SignatureAlgorithm,
} from './algorithms.js';
import type { DigestAlgorithm } from './content-digest.js';

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
  /**
   * The resource server's response signing key: then the verifier also signs responses
   * (`signResponse`), which the framework adapters call on routes marked for signed responses.
   * Publish the public half with `responseSigningJwk` in the JWKS at the metadata's `jwks_uri`.
   */
  responseSigning?: ResponseSigningOptions;
}

/**
 * The key responses are signed with.
 *
 * @example
 * httpSignatures({ resolveClientKey, responseSigning: { key: privateJwk, keyId: 'rs-2026', algorithm: 'ecdsa-p256-sha256' } });
 */
export interface ResponseSigningOptions {
  /** A private JWK (with `d`) or a private KeyObject. */
  key: JsonWebKey | KeyObject;
  /** The `keyid` clients look up in the resource server's JWKS. */
  keyId: string;
  algorithm: SignatureAlgorithm;
  /** `sha-256` (default) or `sha-512`, for the response's `Content-Digest`. */
  digestAlgorithm?: DigestAlgorithm;
}

const SIGNING_KEYS = ['key', 'keyId', 'algorithm', 'digestAlgorithm'];

const KNOWN_KEYS = [
  'resolveClientKey',
  'maxAgeSeconds',
  'clockToleranceSeconds',
  'algorithms',
  'replayStore',
  'clock',
  'responseSigning',
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
  responseSigning:
    | {
        key: KeyObject;
        keyId: string;
        algorithm: SignatureAlgorithm;
        digestAlgorithm?: DigestAlgorithm;
      }
    | undefined;
}

function fail(option: string, message: string, prefix = 'httpSignatures'): never {
  throw new TypeError(`${prefix}.${option}: ${message}`);
}

function seconds(
  prefix: string,
  option: string,
  value: unknown,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(option, `must be a number of seconds from 0 to ${max}`, prefix);
  }
  return value;
}

/** The options a request verifier and a response verifier share. */
export interface VerificationOptions {
  maxAgeSeconds?: number;
  clockToleranceSeconds?: number;
  algorithms?: readonly SignatureAlgorithm[];
  clock?: () => number;
}

/** {@link VerificationOptions}, checked, with their defaults. */
export type ResolvedVerificationOptions = Pick<
  ResolvedSignatureOptions,
  'maxAgeS' | 'clockToleranceS' | 'algorithms' | 'clock'
>;

/**
 * Validates an options object: only `known` keys, then the shared verification options.
 * Throws a TypeError naming the first bad one, as `<prefix>.<option>`.
 */
export function resolveVerificationOptions(
  prefix: string,
  options: VerificationOptions,
  known: readonly string[],
): ResolvedVerificationOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${prefix}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) fail(key, `unknown option (known: ${known.join(', ')})`, prefix);
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    fail('clock', 'must be a function', prefix);
  }
  const algorithms = options.algorithms ?? SIGNATURE_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    fail('algorithms', 'must be a non-empty array', prefix);
  }
  for (const algorithm of algorithms as unknown[]) {
    if (!isSignatureAlgorithm(algorithm)) {
      const message = `${String(algorithm)} is not one of ${SIGNATURE_ALGORITHMS.join(', ')}`;
      fail('algorithms', message, prefix);
    }
  }
  return {
    maxAgeS: seconds(
      prefix,
      'maxAgeSeconds',
      options.maxAgeSeconds,
      DEFAULT_MAX_AGE_S,
      MAX_MAX_AGE_S,
    ),
    clockToleranceS: seconds(
      prefix,
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      DEFAULT_CLOCK_TOLERANCE_S,
      60,
    ),
    algorithms: Object.freeze([...(algorithms as SignatureAlgorithm[])]),
    clock: options.clock ?? Date.now,
  };
}

/** Validates the options; throws a TypeError naming the first bad one. */
export function resolveSignatureOptions(options: HttpSignatureOptions): ResolvedSignatureOptions {
  const common = resolveVerificationOptions('httpSignatures', options, KNOWN_KEYS);
  if (typeof options.resolveClientKey !== 'function')
    fail('resolveClientKey', 'must be a function');
  const store = options.replayStore;
  if (store !== undefined && typeof store?.checkAndStore !== 'function') {
    fail('replayStore', 'must have a checkAndStore(key, ttlSeconds) method');
  }
  return {
    ...common,
    resolveClientKey: options.resolveClientKey,
    replayStore: store ?? memoryReplayStore(),
    ownsReplayStore: store === undefined,
    responseSigning: resolveResponseSigning(options.responseSigning),
  };
}

/** Checks the response signing key once: a public key or one of the wrong type is refused. */
function resolveResponseSigning(
  value: ResponseSigningOptions | undefined,
): ResolvedSignatureOptions['responseSigning'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('responseSigning', 'must be an object { key, keyId, algorithm }');
  }
  for (const key of Object.keys(value)) {
    if (!SIGNING_KEYS.includes(key)) {
      fail(`responseSigning.${key}`, `unknown option (known: ${SIGNING_KEYS.join(', ')})`);
    }
  }
  if (!isSignatureAlgorithm(value.algorithm)) {
    fail('responseSigning.algorithm', `must be one of ${SIGNATURE_ALGORITHMS.join(', ')}`);
  }
  if (typeof value.keyId !== 'string' || value.keyId === '') {
    fail('responseSigning.keyId', 'must be a non-empty string');
  }
  const digest = value.digestAlgorithm;
  if (digest !== undefined && digest !== 'sha-256' && digest !== 'sha-512') {
    fail('responseSigning.digestAlgorithm', "must be 'sha-256' or 'sha-512'");
  }
  let key: KeyObject;
  try {
    key = importPrivateKey(value.key);
  } catch {
    fail('responseSigning.key', 'must be a private JWK or a private KeyObject');
  }
  if (key.type !== 'private' || !keyFits(value.algorithm, key)) {
    fail('responseSigning.key', `must be a private key for ${value.algorithm}`);
  }
  return {
    key,
    keyId: value.keyId,
    algorithm: value.algorithm,
    ...(digest ? { digestAlgorithm: digest } : {}),
  };
}
