/**
 * One error hierarchy for every rejection. Each rejection has a stable `code`, the RFC 6750 /
 * RFC 9449 `error` value, an HTTP status and a fixed, safe description: nothing attacker-supplied
 * and nothing from a library is ever shown to the client. The causes stay on `cause` for logs.
 *
 * The headers (`WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control`, `x-fapi-interaction-id`) are
 * rendered once, by the resource server, when it makes the error it rejects with (see
 * `challenge.ts`); adapters copy `status`, `headers` and `body()` to the wire.
 */

import { CONSENT_ERROR_CODES } from './consent-errors.js';
import { SIGNATURE_ERROR_CODES } from './signature-errors.js';

/**
 * The `error` values of RFC 6750 §3.1, RFC 9449 §7.1, §9, RFC 9470 §3 and the RAR metadata draft.
 *
 * @example
 * if (error.error === 'use_dpop_nonce') retryWith(error.headers['dpop-nonce']);
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export type OAuthError =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_authorization_details'
  | 'insufficient_user_authentication';

/**
 * The authentication schemes a resource request may use.
 *
 * @example
 * const scheme: AuthScheme = principal.binding.kind === 'dpop' ? 'DPoP' : 'Bearer';
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export type AuthScheme = 'Bearer' | 'DPoP';

type Kind =
  | 'request'
  | 'token'
  | 'dpop'
  | 'nonce'
  | 'scope'
  | 'details'
  | 'authentication'
  | 'credentials'
  | 'unavailable'
  | 'server'
  | 'signature';

interface CodeInfo {
  kind: Kind;
  description: string;
}

/**
 * Every code core can produce, with its fixed description. `docs/errors.md` documents the same
 * table; a test keeps the two in step.
 *
 * @example
 * ERROR_CODES.ERR_FAPI_DPOP_REPLAY.description; // 'DPoP proof was already used'
 */
export const ERROR_CODES = {
  ERR_FAPI_NO_CREDENTIALS: { kind: 'credentials', description: 'Authentication required' },
  ERR_FAPI_UNSUPPORTED_SCHEME: {
    kind: 'credentials',
    description: 'Unsupported authentication scheme',
  },
  ERR_FAPI_TOKEN_IN_QUERY: {
    kind: 'credentials',
    description: 'Access tokens are accepted only in the Authorization header',
  },
  ERR_FAPI_MULTIPLE_METHODS: {
    kind: 'request',
    description: 'Multiple methods used to include access token',
  },
  ERR_FAPI_MALFORMED_AUTHORIZATION: {
    kind: 'request',
    description: 'Malformed Authorization header',
  },
  ERR_FAPI_CLIENT_CERT_HEADER_INVALID: {
    kind: 'request',
    description: 'Malformed client certificate header',
  },
  ERR_FAPI_TOKEN_MALFORMED: { kind: 'token', description: 'The access token is malformed' },
  ERR_FAPI_TOKEN_TYPE: { kind: 'token', description: 'The access token type is not at+jwt' },
  ERR_FAPI_TOKEN_ALG: {
    kind: 'token',
    description: 'The access token signing algorithm is not allowed',
  },
  ERR_FAPI_TOKEN_CRIT: {
    kind: 'token',
    description: 'The access token has unsupported critical header parameters',
  },
  ERR_FAPI_TOKEN_KEY_NOT_FOUND: {
    kind: 'token',
    description: 'No key of the issuer matches the access token',
  },
  ERR_FAPI_TOKEN_KEY_TOO_SMALL: {
    kind: 'token',
    description: 'The access token signing key is too small',
  },
  ERR_FAPI_TOKEN_SIGNATURE: {
    kind: 'token',
    description: 'The access token signature is invalid',
  },
  ERR_FAPI_TOKEN_ISSUER: { kind: 'token', description: 'The access token issuer is not trusted' },
  ERR_FAPI_TOKEN_AUDIENCE: {
    kind: 'token',
    description: 'The access token audience does not include this resource server',
  },
  ERR_FAPI_TOKEN_EXPIRED: { kind: 'token', description: 'The access token expired' },
  ERR_FAPI_TOKEN_NOT_YET_VALID: {
    kind: 'token',
    description: 'The access token is not yet valid',
  },
  ERR_FAPI_TOKEN_CLAIM_INVALID: {
    kind: 'token',
    description: 'The access token lacks a required claim or has an invalid one',
  },
  ERR_FAPI_TOKEN_INACTIVE: { kind: 'token', description: 'The access token is not active' },
  ERR_FAPI_INTROSPECTION_RESPONSE_INVALID: {
    kind: 'token',
    description: 'The token introspection response could not be verified',
  },
  ERR_FAPI_TOKEN_NOT_SENDER_CONSTRAINED: {
    kind: 'token',
    description: 'The access token is not sender-constrained',
  },
  ERR_FAPI_TOKEN_BINDING_UNSUPPORTED: {
    kind: 'token',
    description: 'The access token binding is not supported',
  },
  ERR_FAPI_BINDING_REQUIRED: {
    kind: 'token',
    description: 'This resource requires a differently bound access token',
  },
  ERR_FAPI_DPOP_DOWNGRADE: {
    kind: 'token',
    description: 'A DPoP-bound access token must use the DPoP scheme',
  },
  ERR_FAPI_DPOP_NOT_BOUND: { kind: 'token', description: 'The access token is not DPoP-bound' },
  ERR_FAPI_DPOP_KEY_BINDING: { kind: 'token', description: 'Invalid DPoP key binding' },
  ERR_FAPI_DPOP_PROOF_MISSING: { kind: 'dpop', description: 'DPoP proof is missing' },
  ERR_FAPI_DPOP_PROOF_MULTIPLE: {
    kind: 'dpop',
    description: 'Exactly one DPoP proof is required',
  },
  ERR_FAPI_DPOP_PROOF_MALFORMED: { kind: 'dpop', description: 'DPoP proof is malformed' },
  ERR_FAPI_DPOP_TYP: { kind: 'dpop', description: 'DPoP proof typ must be dpop+jwt' },
  ERR_FAPI_DPOP_ALG: { kind: 'dpop', description: 'DPoP proof algorithm is not allowed' },
  ERR_FAPI_DPOP_JWK: { kind: 'dpop', description: 'DPoP proof jwk is missing or invalid' },
  ERR_FAPI_DPOP_SIGNATURE: { kind: 'dpop', description: 'DPoP proof signature is invalid' },
  ERR_FAPI_DPOP_CLAIM_INVALID: {
    kind: 'dpop',
    description: 'DPoP proof lacks a required claim or has an invalid one',
  },
  ERR_FAPI_DPOP_JTI_TOO_LONG: { kind: 'dpop', description: 'DPoP proof jti is too long' },
  ERR_FAPI_DPOP_HTM_MISMATCH: {
    kind: 'dpop',
    description: 'DPoP proof htm does not match the request method',
  },
  ERR_FAPI_DPOP_HTU_MISMATCH: {
    kind: 'dpop',
    description: 'DPoP proof htu does not match the request URI',
  },
  ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW: {
    kind: 'dpop',
    description: 'DPoP proof iat is outside the acceptable window',
  },
  ERR_FAPI_DPOP_EXPIRED: { kind: 'dpop', description: 'DPoP proof expired' },
  ERR_FAPI_DPOP_ATH_MISSING: { kind: 'dpop', description: 'DPoP proof ath is missing' },
  ERR_FAPI_DPOP_ATH_MISMATCH: {
    kind: 'dpop',
    description: 'DPoP proof ath does not match the access token',
  },
  ERR_FAPI_DPOP_REPLAY: { kind: 'dpop', description: 'DPoP proof was already used' },
  ERR_FAPI_DPOP_NONCE_REQUIRED: {
    kind: 'nonce',
    description: 'Resource server requires nonce in DPoP proof',
  },
  ERR_FAPI_DPOP_NONCE_INVALID: {
    kind: 'nonce',
    description: 'DPoP proof nonce is invalid or expired',
  },
  ERR_FAPI_MTLS_NO_CERTIFICATE: {
    kind: 'token',
    description: 'A client certificate is required for this access token',
  },
  ERR_FAPI_MTLS_THUMBPRINT_MISMATCH: {
    kind: 'token',
    description: 'The client certificate does not match the access token binding',
  },
  ERR_FAPI_MTLS_CNF_MALFORMED: {
    kind: 'token',
    description: 'The access token certificate binding is malformed',
  },
  ERR_FAPI_INSUFFICIENT_SCOPE: {
    kind: 'scope',
    description: 'The access token does not grant the required scope',
  },
  ...CONSENT_ERROR_CODES,
  ...SIGNATURE_ERROR_CODES,
  ERR_FAPI_UNEXPECTED: { kind: 'token', description: 'The access token could not be verified' },
  ERR_FAPI_KEYS_UNAVAILABLE: {
    kind: 'unavailable',
    description: 'The authorization server keys are temporarily unavailable',
  },
  ERR_FAPI_STORE_UNAVAILABLE: {
    kind: 'unavailable',
    description: 'The replay protection store is temporarily unavailable',
  },
  ERR_FAPI_INTROSPECTION_UNAVAILABLE: {
    kind: 'unavailable',
    description: 'The token introspection service is temporarily unavailable',
  },
  ERR_FAPI_MISCONFIGURED: { kind: 'server', description: 'The resource server is misconfigured' },
  ERR_FAPI_GUARD_NOT_MOUNTED: {
    kind: 'server',
    description: 'fapi-guard is not mounted before this route: add the guard middleware first',
  },
} as const satisfies Record<string, CodeInfo>;

/**
 * A stable error code: a key of {@link ERROR_CODES}.
 *
 * @example
 * if (error.code === 'ERR_FAPI_DPOP_REPLAY') metrics.increment('replays');
 */
export type FapiErrorCode = keyof typeof ERROR_CODES;

const KIND_STATUS: Record<Kind, number> = {
  request: 400,
  token: 401,
  dpop: 401,
  nonce: 401,
  scope: 403,
  details: 403,
  authentication: 401,
  credentials: 401,
  unavailable: 503,
  server: 500,
  signature: 401,
};

const KIND_ERROR: Record<Kind, OAuthError | undefined> = {
  request: 'invalid_request',
  token: 'invalid_token',
  dpop: 'invalid_dpop_proof',
  nonce: 'use_dpop_nonce',
  scope: 'insufficient_scope',
  details: 'insufficient_authorization_details',
  authentication: 'insufficient_user_authentication',
  credentials: undefined,
  unavailable: undefined,
  server: undefined,
  signature: undefined,
};

/** The body `error` of rejections that have no OAuth `error` value, by status. */
const BODY_ERROR: Record<number, string> = { 500: 'server_error', 503: 'temporarily_unavailable' };

/**
 * The JSON body adapters send with a rejection.
 *
 * @example
 * res.status(error.status).json(error.body()); // { error, error_description }
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface FapiErrorBody {
  error: string;
  error_description: string;
}

/**
 * What a {@link FapiError} is made of besides its code; every member is optional.
 *
 * @example
 * new FapiError('ERR_FAPI_INSUFFICIENT_SCOPE', { scope: ['payments'], scheme: 'DPoP' });
 */
export interface FapiErrorOptions {
  /** Which challenge carries the error; absent when the scheme is ambiguous (all carry it). */
  scheme?: AuthScheme | undefined;
  /** Scopes the resource needs (insufficient_scope only). */
  scope?: readonly string[] | undefined;
  /** `acr` values the resource accepts (insufficient_user_authentication only, RFC 9470 §3). */
  acrValues?: readonly string[] | undefined;
  /** Maximum age of the authentication in seconds (insufficient_user_authentication only). */
  maxAge?: number | undefined;
  /** What went wrong underneath, for logs; never shown to the client. */
  cause?: unknown;
  /** The rendered `WWW-Authenticate` value (see `renderChallenge`). */
  challenge?: string | undefined;
  /** A fresh server nonce for the `DPoP-Nonce` header. */
  dpopNonce?: string | undefined;
  /** Correlation id in force for this request (RS-HDR-01), echoed in `x-fapi-interaction-id`. */
  interactionId?: string | undefined;
}

/**
 * Every rejection core produces, complete from its construction: nothing changes it afterwards.
 * `status`, `headers` and `expose` follow the conventions of Express's and Koa's default error
 * handlers, so either renders a correct response unchanged. Its `stack` is the one line
 * `FapiError [CODE]: description`, without frames, so no development error page can show file
 * paths; the `cause` keeps its own stack for logs.
 *
 * `verify` rejects with a FapiError whose headers are rendered; a FapiError made directly (for
 * example by a custom `KeyResolver`) carries only `Cache-Control: no-store` until `verify`
 * turns it into a complete one.
 *
 * @example
 * try {
 *   await rs.verify(request);
 * } catch (error) {
 *   if (!isFapiError(error)) throw error;
 *   res.writeHead(error.status, error.headers).end(JSON.stringify(error.body()));
 * }
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export class FapiError extends Error {
  override readonly name: string = 'FapiError';
  readonly code: FapiErrorCode;
  readonly status: number;
  /** The RFC 6750 / RFC 9449 `error` value; absent for missing credentials, 500 and 503. */
  readonly error: OAuthError | undefined;
  readonly description: string;
  /** Which challenge carries the error; absent when the scheme is ambiguous (all carry it). */
  readonly scheme: AuthScheme | undefined;
  /** Scopes the resource needs (insufficient_scope only). */
  readonly scope: readonly string[] | undefined;
  /** RFC 9470 §3 `acr_values` and `max_age` (insufficient_user_authentication only). */
  readonly acrValues: readonly string[] | undefined;
  readonly maxAge: number | undefined;
  /**
   * Response headers, lower-cased: `cache-control`, and when known `www-authenticate`,
   * `dpop-nonce`, `x-fapi-interaction-id`. Frozen.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Koa and http-errors convention: the message is safe to show. */
  readonly expose = true;
  /** Correlation id in force for this request (RS-HDR-01). */
  readonly interactionId: string | undefined;

  constructor(code: FapiErrorCode, options: FapiErrorOptions = {}) {
    const info: CodeInfo = ERROR_CODES[code];
    super(info.description, options.cause === undefined ? undefined : { cause: options.cause });
    this.stack = `FapiError [${code}]: ${info.description}`;
    this.code = code;
    this.status = KIND_STATUS[info.kind];
    this.error = KIND_ERROR[info.kind];
    this.description = info.description;
    this.scheme =
      options.scheme ?? (info.kind === 'dpop' || info.kind === 'nonce' ? 'DPoP' : undefined);
    this.scope = options.scope;
    this.acrValues = options.acrValues;
    this.maxAge = options.maxAge;
    this.interactionId = options.interactionId;
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (options.challenge !== undefined) headers['www-authenticate'] = options.challenge;
    if (options.dpopNonce !== undefined) headers['dpop-nonce'] = options.dpopNonce;
    if (options.interactionId !== undefined) {
      headers['x-fapi-interaction-id'] = options.interactionId;
    }
    this.headers = Object.freeze(headers);
  }

  /** Whether the client sent no usable credentials (the challenge then carries no `error`). */
  get isChallengeOnly(): boolean {
    return this.error === undefined && this.status === 401;
  }

  /** `{ error, error_description }` for the JSON response body. */
  body(): FapiErrorBody {
    return {
      error: this.error ?? BODY_ERROR[this.status] ?? 'unauthorized',
      error_description: this.description,
    };
  }
}

/**
 * Whether `value` is a FapiError (also across module copies).
 *
 * @example
 * if (isFapiError(error)) res.writeHead(error.status, error.headers).end(JSON.stringify(error.body()));
 */
export function isFapiError(value: unknown): value is FapiError {
  return (
    value instanceof FapiError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'FapiError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}
