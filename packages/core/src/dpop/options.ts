/** The `dpop` option: validated once, when the verifier is created. */
import type { FapiAlgorithm } from '../algorithms.js';
import { randomSecret } from '../lib/crypto.js';
import {
  assertAlgorithms,
  assertInteger,
  assertKnownKeys,
  assertObject,
  assertSeconds,
  failOption,
} from '../lib/option-checks.js';
import { memoryReplayStore, type ReplayStore } from '../replay-store.js';
import { hmacNonces, type NonceSource } from './nonce.js';

/**
 * DPoP-bound access tokens (RFC 9449): how proofs are checked.
 *
 * @example
 * createResourceServer({ ...options, dpop: { maxAgeSeconds: 30, nonce: { secret } } });
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export interface DpopOptions {
  /** Proof algorithms accepted (also the `algs` challenge parameter). Default: `algorithms`. */
  algorithms?: readonly FapiAlgorithm[];
  /** How long after its `iat` a proof is accepted. Default 60, at most 300. */
  maxAgeSeconds?: number;
  /** Clock difference accepted for `iat` in both directions. Default 10, at most 60. */
  clockToleranceSeconds?: number;
  /**
   * Server-provided nonces (RFC 9449 §9). `true` uses a random per-process secret: a cluster
   * must share `{ secret }` instead. Default off.
   */
  nonce?: boolean | { secret: string | Uint8Array; rotateSeconds?: number } | NonceSource;
  /** Where proof identifiers are remembered. Default: a bounded in-memory store. */
  replayStore?: ReplayStore;
  /** Longest `jti` accepted. Default 256. */
  maxJtiLength?: number;
}

/** {@link DpopOptions} after validation, every default applied. */
export interface DpopSettings {
  algorithms: readonly FapiAlgorithm[];
  maxAgeS: number;
  clockToleranceS: number;
  nonces: NonceSource | undefined;
  replayStore: ReplayStore;
  /** Whether the verifier made the replay store (and so closes it). */
  ownsReplayStore: boolean;
  maxJtiLength: number;
}

const DPOP_OPTION_KEYS: readonly (keyof DpopOptions)[] = [
  'algorithms',
  'maxAgeSeconds',
  'clockToleranceSeconds',
  'nonce',
  'replayStore',
  'maxJtiLength',
];

export const DEFAULT_DPOP_MAX_AGE_S = 60;
export const DEFAULT_DPOP_CLOCK_TOLERANCE_S = 10;
export const DEFAULT_NONCE_ROTATE_S = 300;
const DEFAULT_MAX_JTI_LENGTH = 256;

/**
 * Validates the `dpop` option: undefined when DPoP is off (`false`). Proof algorithms default
 * to the access-token `algorithms`.
 */
export function resolveDpopOptions(
  value: DpopOptions | false | undefined,
  algorithms: readonly FapiAlgorithm[],
  clock: () => number,
): DpopSettings | undefined {
  if (value === false) return undefined;
  const given = value ?? {};
  assertObject('dpop', given);
  assertKnownKeys('dpop', given, DPOP_OPTION_KEYS);
  const replayStore = given.replayStore ?? memoryReplayStore({ clock });
  if (typeof replayStore !== 'object' || typeof replayStore.checkAndStore !== 'function') {
    failOption('dpop.replayStore', 'must implement checkAndStore(key, ttlSeconds)');
  }
  return {
    algorithms: assertAlgorithms('dpop.algorithms', given.algorithms, algorithms),
    maxAgeS: assertSeconds('dpop.maxAgeSeconds', given.maxAgeSeconds, DEFAULT_DPOP_MAX_AGE_S, 300),
    clockToleranceS: assertSeconds(
      'dpop.clockToleranceSeconds',
      given.clockToleranceSeconds,
      DEFAULT_DPOP_CLOCK_TOLERANCE_S,
      60,
    ),
    nonces: nonceSource(given.nonce),
    replayStore,
    ownsReplayStore: given.replayStore === undefined,
    maxJtiLength: assertInteger(
      'dpop.maxJtiLength',
      given.maxJtiLength,
      DEFAULT_MAX_JTI_LENGTH,
      16,
    ),
  };
}

function nonceSource(value: DpopOptions['nonce']): NonceSource | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return hmacNonces({ secret: randomSecret() });
  if (typeof value !== 'object' || value === null) {
    failOption('dpop.nonce', 'must be true, false, { secret, rotateSeconds } or a NonceSource');
  }
  if (typeof (value as NonceSource).current === 'function') {
    if (typeof (value as NonceSource).check !== 'function') {
      failOption(
        'dpop.nonce',
        'a NonceSource must implement current(nowMs) and check(nonce, nowMs)',
      );
    }
    return value as NonceSource;
  }
  assertKnownKeys('dpop.nonce', value, ['secret', 'rotateSeconds']);
  const { secret, rotateSeconds } = value as {
    secret: string | Uint8Array;
    rotateSeconds?: number;
  };
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length < 32) {
    failOption('dpop.nonce.secret', 'must be at least 32 bytes');
  }
  const rotateS = assertSeconds(
    'dpop.nonce.rotateSeconds',
    rotateSeconds,
    DEFAULT_NONCE_ROTATE_S,
    3600,
  );
  if (rotateS < 1) failOption('dpop.nonce.rotateSeconds', 'must be at least 1');
  return hmacNonces({ secret: bytes, rotateSeconds: rotateS });
}
