import type { AuthScheme, FapiError } from './errors.js';

/**
 * The parts of a rejection its challenge shows: a {@link FapiError}, or one about to be made.
 *
 * @example
 * renderChallenge({ status: 401, error: 'invalid_token', description: 'Expired', scheme: 'DPoP', scope: undefined }, policy);
 */
export type ChallengeSubject = Pick<
  FapiError,
  'status' | 'error' | 'description' | 'scheme' | 'scope'
> &
  Partial<Pick<FapiError, 'acrValues' | 'maxAge'>>;

/**
 * What the challenge renderer needs to know of the resource server's policy.
 *
 * @example
 * const policy: ChallengePolicy = { schemes: ['DPoP', 'Bearer'], dpopAlgorithms: ['ES256'] };
 */
export interface ChallengePolicy {
  /** Schemes this resource server offers, in the order they are advertised. */
  schemes: readonly AuthScheme[];
  /** JWS algorithms accepted for DPoP proofs (the `algs` parameter, RFC 9449 §7.1). */
  dpopAlgorithms: readonly string[];
  realm?: string | undefined;
  /** RFC 9728 §5.1 `resource_metadata` URL. */
  resourceMetadata?: string | undefined;
}

/**
 * Renders the `WWW-Authenticate` value for a rejection, following RFC 6750 §3, RFC 9449 §7.1 and
 * the multiple-challenge advice of RFC 9449 §7.2: no credentials means no `error` anywhere; an
 * error tied to one scheme goes into that scheme's challenge only; an ambiguous error (no
 * scheme) goes into every challenge. Returns undefined when no challenge applies (500, 503).
 *
 * @example
 * renderChallenge(new FapiError('ERR_FAPI_NO_CREDENTIALS'), {
 *   schemes: ['DPoP', 'Bearer'],
 *   dpopAlgorithms: ['ES256'],
 * }); // 'DPoP algs="ES256", Bearer'
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function renderChallenge(
  error: ChallengeSubject,
  policy: ChallengePolicy,
): string | undefined {
  if (error.status >= 500) return undefined;
  const schemes = [...policy.schemes];
  if (error.scheme && !schemes.includes(error.scheme)) schemes.unshift(error.scheme);
  if (error.scheme) {
    // The scheme carrying the error comes first.
    schemes.sort((a, b) => Number(b === error.scheme) - Number(a === error.scheme));
  }
  return schemes
    .map((scheme) => {
      const carriesError = error.error !== undefined && (!error.scheme || error.scheme === scheme);
      const params: Array<[string, string]> = [];
      if (policy.realm !== undefined) params.push(['realm', policy.realm]);
      if (carriesError) {
        params.push(['error', error.error as string], ['error_description', error.description]);
        if (error.scope?.length) params.push(['scope', error.scope.join(' ')]);
        // RFC 9470 §3: what a new authentication must satisfy.
        if (error.acrValues?.length) params.push(['acr_values', error.acrValues.join(' ')]);
        if (error.maxAge !== undefined) params.push(['max_age', String(error.maxAge)]);
      }
      if (scheme === 'DPoP' && policy.dpopAlgorithms.length) {
        params.push(['algs', policy.dpopAlgorithms.join(' ')]);
      }
      if (policy.resourceMetadata !== undefined) {
        params.push(['resource_metadata', policy.resourceMetadata]);
      }
      return params.length
        ? `${scheme} ${params.map(([name, value]) => `${name}="${quoteSafe(value)}"`).join(', ')}`
        : scheme;
    })
    .join(', ');
}

/**
 * Keeps only the characters RFC 6750 §3 allows inside a quoted auth-param value
 * (%x20-21 / %x23-5B / %x5D-7E); anything else becomes `?`.
 */
export function quoteSafe(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
}
