/** Values the development authorization server and its clients share. */
export type AccessTokenFormat = 'jwt' | 'opaque';
export type SigningAlg = 'PS256' | 'ES256';

/** Algorithms the AS accepts and uses anywhere (FAPI 2.0 allows PS256, ES256, EdDSA; we keep two). */
export const FAPI_ALGS: readonly SigningAlg[] = ['PS256', 'ES256'];
/** Scopes a resource server served by this AS knows. */
export const RESOURCE_SCOPES = ['accounts', 'payments'] as const;
/** Resources accepted when the client names none / the default audience. */
export const DEFAULT_RESOURCES = ['http://127.0.0.1:3000', 'https://127.0.0.1:3000'] as const;
/** `acr` of a login with the password only. */
export const ACR_PASSWORD = 'urn:fapi-guard:acr:pwd';
/** `acr` of a login with the password and the one-time code (the second factor). */
export const ACR_STRONG = 'urn:fapi-guard:acr:strong';
/** The fixed one-time code every demo user "receives" (DEV ONLY: a real second factor is per user and per login). */
export const DEV_ONE_TIME_CODE = '246810';

/** Actions an `account_access` element may grant. */
export const ACCOUNT_ACTIONS = ['read_accounts', 'read_balances', 'read_transactions'] as const;
