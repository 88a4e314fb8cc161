/**
 * The codes of the consent-level checks (authorization details, step-up, claim rules), part of
 * `ERROR_CODES`; `docs/errors.md` documents them with the rest.
 */
export const CONSENT_ERROR_CODES = {
  ERR_FAPI_TOKEN_AUTHORIZATION_DETAILS_INVALID: {
    kind: 'token',
    description: 'The access token authorization_details claim is malformed',
  },
  ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS: {
    kind: 'details',
    description: 'The access token authorization details do not cover this request',
  },
  ERR_FAPI_ACR_INSUFFICIENT: {
    kind: 'authentication',
    description: 'A different authentication level is required',
  },
  ERR_FAPI_AUTH_TIME_TOO_OLD: {
    kind: 'authentication',
    description: 'More recent authentication is required',
  },
  ERR_FAPI_CLAIMS_REQUIREMENT: {
    kind: 'scope',
    description: 'The access token claims do not meet the requirements of this resource',
  },
} as const;
