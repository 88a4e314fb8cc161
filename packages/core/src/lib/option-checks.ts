/** Option validation helpers: every failure is a TypeError naming the option. */

/** Algorithms core can verify; FAPI 2.0 allows exactly these (SP 5.4.1). */
export const SUPPORTED_ALGORITHMS: readonly string[] = ['PS256', 'ES256', 'EdDSA', 'Ed25519'];

export function fail(option: string, message: string): never {
  throw new TypeError(`${option}: ${message}`);
}

/**
 * Refuses keys that are not in `known`: a misspelt option (or one of a feature this version
 * does not have) must fail at set-up, not turn a check off.
 */
export function knownKeys(option: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      fail(
        option === 'options' ? key : `${option}.${key}`,
        `unknown option (known: ${known.join(', ')})`,
      );
    }
  }
}

export function seconds(option: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    fail(option, `must be a number of seconds from 0 to ${max}`);
  }
  return value;
}

export function algorithmList(
  option: string,
  value: unknown,
  fallback: readonly string[],
): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.length === 0) fail(option, 'must be a non-empty array');
  for (const alg of value) {
    if (!SUPPORTED_ALGORITHMS.includes(alg)) {
      fail(option, `"${String(alg)}" is not a FAPI 2.0 algorithm (PS256, ES256, EdDSA, Ed25519)`);
    }
  }
  return [...value];
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export function httpsUrl(option: string, value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    fail(option, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    fail(option, 'must use https (SP 5.4.2); plain http is allowed only for loopback hosts');
  }
  return url;
}
