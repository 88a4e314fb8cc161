/**
 * The JWS algorithms FAPI 2.0 allows (SP 5.4.1): the one list core checks every algorithm
 * option, access token, proof and signed introspection response against.
 */

/**
 * A JWS algorithm FAPI 2.0 allows. `Ed25519` is the fully-specified name of EdDSA (RFC 9864).
 *
 * @example
 * const algorithms: FapiAlgorithm[] = ['ES256', 'Ed25519'];
 */
export type FapiAlgorithm = 'PS256' | 'ES256' | 'EdDSA' | 'Ed25519';

/**
 * The default access-token and DPoP proof algorithms, in the order the `algs` challenge
 * parameter lists them. `Ed25519` is accepted when configured, but not offered by default.
 *
 * @example
 * createResourceServer({ ...options, algorithms: FAPI_ALGORITHMS.filter((a) => a !== 'PS256') });
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.4.1
 */
export const FAPI_ALGORITHMS: readonly FapiAlgorithm[] = ['PS256', 'ES256', 'EdDSA'];

const ACCEPTED: ReadonlySet<string> = new Set<FapiAlgorithm>([...FAPI_ALGORITHMS, 'Ed25519']);

/**
 * Whether `value` names a FAPI 2.0 algorithm core can verify.
 *
 * @example
 * isFapiAlgorithm('ES256'); // true
 * isFapiAlgorithm('RS256'); // false
 */
export function isFapiAlgorithm(value: unknown): value is FapiAlgorithm {
  return typeof value === 'string' && ACCEPTED.has(value);
}

/** The algorithms as the option messages name them. */
export const FAPI_ALGORITHM_NAMES = [...ACCEPTED].join(', ');
