/**
 * Option validation helpers, run once when a verifier is created: every failure is a TypeError
 * whose message starts with the option's name. Each `assert*` returns the value to use (the
 * fallback when the option is absent).
 */
import { FAPI_ALGORITHM_NAMES, isFapiAlgorithm, type FapiAlgorithm } from '../algorithms.js';

export function failOption(option: string, message: string): never {
  throw new TypeError(`${option}: ${message}`);
}

/**
 * Refuses keys that are not in `known`: a misspelt option (or one of a feature this version
 * does not have) must fail at set-up, not turn a check off. `option` is the object's own name
 * (`options` for the top level, whose keys are named bare).
 */
export function assertKnownKeys(option: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      failOption(
        option === 'options' ? key : `${option}.${key}`,
        `unknown option (known: ${known.join(', ')})`,
      );
    }
  }
}

/** An option that must be a plain object when given. */
export function assertObject(option: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    failOption(option, 'must be an object');
  }
}

/** A number of seconds from 0 to `max`. */
export function assertSeconds(option: string, value: unknown, fallback: number, max: number) {
  return assertNumber(option, value, fallback, 0, max, 'seconds');
}

/** A number of milliseconds from `min` to `max`. */
export function assertMilliseconds(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  return assertNumber(option, value, fallback, min, max, 'milliseconds');
}

function assertNumber(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  unit: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    failOption(option, `must be a number of ${unit} from ${min} to ${max}`);
  }
  return value;
}

/** An integer of at least `min` (and at most `max`). */
export function assertInteger(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    failOption(
      option,
      max === Number.MAX_SAFE_INTEGER
        ? `must be an integer of at least ${min}`
        : `must be an integer from ${min} to ${max}`,
    );
  }
  return value as number;
}

/** A function, when given. */
export function assertFunction<F>(option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') failOption(option, 'must be a function');
  return value;
}

/** A non-empty list of FAPI 2.0 algorithms. */
export function assertAlgorithms(
  option: string,
  value: unknown,
  fallback: readonly FapiAlgorithm[],
): FapiAlgorithm[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length === 0) failOption(option, 'must be a non-empty array');
  for (const alg of value) {
    if (!isFapiAlgorithm(alg)) {
      failOption(option, `"${String(alg)}" is not a FAPI 2.0 algorithm (${FAPI_ALGORITHM_NAMES})`);
    }
  }
  return [...(value as FapiAlgorithm[])];
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** An absolute https URL (plain http only for loopback hosts, for development). */
export function assertHttpsUrl(option: string, value: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    failOption(option, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    failOption(option, 'must use https (SP 5.4.2); plain http is allowed only for loopback hosts');
  }
  return url;
}
