/**
 * The `cors` option of the Express, Koa and NestJS adapters: lets a browser page on a listed
 * origin call the API and read the headers a FAPI client needs (`WWW-Authenticate`,
 * `DPoP-Nonce`, `x-fapi-interaction-id`). Core decides which headers to send; the adapters
 * write them and answer preflights.
 */

/** The settings of the adapters' `cors` option. */
export interface CorsOptions {
  /**
   * Exact origins allowed to call the API from a browser, as the browser sends them in
   * `Origin`: scheme, host and port only (`'https://127.0.0.1:3000'`). No wildcard.
   */
  origins: readonly string[];
  /** Methods a preflight allows. Default: `GET, HEAD, POST, PUT, PATCH, DELETE`. */
  methods?: readonly string[];
  /**
   * Request headers a preflight allows. Default: `Authorization, DPoP, Content-Type,
   * x-fapi-interaction-id, x-fapi-auth-date, x-fapi-customer-ip-address, x-idempotency-key`.
   */
  allowHeaders?: readonly string[];
  /**
   * Response headers the page may read. Default: `WWW-Authenticate, DPoP-Nonce,
   * x-fapi-interaction-id`.
   */
  exposeHeaders?: readonly string[];
  /** How long a browser may reuse a preflight answer, in seconds. Default 600. */
  maxAgeS?: number;
}

/** Request data the CORS decision reads (the adapters pass their request's values). */
export interface CorsRequest {
  method: string;
  /** The `Origin` header values. */
  origin: string | readonly string[] | undefined;
  /** The `Access-Control-Request-Method` header values. */
  requestMethod: string | readonly string[] | undefined;
}

/** What the adapters do with a request, decided by {@link compileCors}'s policy. */
export interface CorsDecision {
  /** Headers to add to the response (empty for a request from an origin not listed). */
  headers: Readonly<Record<string, string>>;
  /**
   * `true` for a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from a
   * listed origin: answer it 204 with `headers`, without a token and without running anything
   * else. A preflight from any other origin is `false` and goes through the guard like any
   * request (so it is refused 401).
   */
  preflight: boolean;
}

/** A compiled `cors` option. */
export type CorsPolicy = (request: CorsRequest) => CorsDecision;

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/**
 * The header lists the `cors` option uses when `allowHeaders` / `exposeHeaders` are not given:
 * spread them to add headers rather than restate them.
 *
 * @example
 * cors: { origins, allowHeaders: [...CORS_DEFAULTS.allowHeaders, 'Signature-Input', 'Signature'] }
 */
export const CORS_DEFAULTS: {
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
} = Object.freeze({
  allowHeaders: Object.freeze([
    'Authorization',
    'DPoP',
    'Content-Type',
    'x-fapi-interaction-id',
    'x-fapi-auth-date',
    'x-fapi-customer-ip-address',
    'x-idempotency-key',
  ]),
  exposeHeaders: Object.freeze(['WWW-Authenticate', 'DPoP-Nonce', 'x-fapi-interaction-id']),
});
const DEFAULT_MAX_AGE_S = 600;
const CORS_KEYS = new Set(['origins', 'methods', 'allowHeaders', 'exposeHeaders', 'maxAgeS']);
/** RFC 9110 token characters (header names, methods). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NONE: CorsDecision = Object.freeze({
  headers: Object.freeze({ vary: 'Origin' }),
  preflight: false,
});

/**
 * Checks the `cors` option once, when an adapter is created, and compiles it. `undefined`
 * means no CORS: the policy is `undefined` and the adapters add nothing. Throws a TypeError
 * naming the key for an unknown key, an origin that is not exactly `scheme://host[:port]`
 * (`'*'` included), a method or header name that is not an HTTP token, a wildcard `'*'` or a bad `maxAgeS`.
 *
 * The policy never sends `Access-Control-Allow-Credentials`: tokens travel in the
 * `Authorization` and `DPoP` headers, not in cookies.
 *
 * @example
 * const cors = compileCors({ origins: ['https://127.0.0.1:3000'] });
 * cors?.({ method: 'GET', origin: 'https://127.0.0.1:3000', requestMethod: undefined }).headers;
 * // { vary: 'Origin', 'access-control-allow-origin': 'https://127.0.0.1:3000',
 * //   'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id' }
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function compileCors(value: unknown): CorsPolicy | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('cors: must be an object like { origins: [...] }');
  }
  for (const key of Object.keys(value)) {
    if (!CORS_KEYS.has(key)) throw new TypeError(`cors.${key}: unknown option`);
  }
  const options = value as Partial<CorsOptions>;
  const origins = new Set(originList(options.origins));
  const methods = tokenList('cors.methods', options.methods, DEFAULT_METHODS);
  const allowHeaders = tokenList(
    'cors.allowHeaders',
    options.allowHeaders,
    CORS_DEFAULTS.allowHeaders,
  );
  const exposeHeaders = tokenList(
    'cors.exposeHeaders',
    options.exposeHeaders,
    CORS_DEFAULTS.exposeHeaders,
  );
  const maxAgeS = options.maxAgeS ?? DEFAULT_MAX_AGE_S;
  if (!Number.isInteger(maxAgeS) || maxAgeS < 0 || maxAgeS > 86_400) {
    throw new TypeError('cors.maxAgeS: must be an integer from 0 to 86400');
  }
  const preflightHeaders = (origin: string): Record<string, string> => ({
    vary: 'Origin',
    'access-control-allow-origin': origin,
    'access-control-allow-methods': methods.join(', '),
    'access-control-allow-headers': allowHeaders.join(', '),
    'access-control-max-age': String(maxAgeS),
  });
  const responseHeaders = (origin: string): Record<string, string> => ({
    vary: 'Origin',
    'access-control-allow-origin': origin,
    'access-control-expose-headers': exposeHeaders.join(', '),
  });
  return (request) => {
    const origin = single(request.origin);
    if (origin === undefined || !origins.has(origin)) return NONE;
    if (request.method.toUpperCase() === 'OPTIONS' && single(request.requestMethod)) {
      return { headers: preflightHeaders(origin), preflight: true };
    }
    return { headers: responseHeaders(origin), preflight: false };
  };
}

function single(value: string | readonly string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  return value?.length === 1 ? value[0] : undefined;
}

function originList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError("cors.origins: must be a non-empty array like ['https://app.example']");
  }
  return (value as unknown[]).map((entry) => {
    let origin: string | undefined;
    try {
      const url = typeof entry === 'string' ? new URL(entry) : undefined;
      if (url && (url.protocol === 'https:' || url.protocol === 'http:')) origin = url.origin;
    } catch {
      // reported below
    }
    if (origin === undefined || origin !== entry) {
      throw new TypeError(
        `cors.origins: ${JSON.stringify(entry)} is not an origin like 'https://app.example:8443'`,
      );
    }
    return origin;
  });
}

function tokenList(name: string, value: unknown, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !(value as unknown[]).every(
      (entry) => typeof entry === 'string' && entry !== '*' && TOKEN.test(entry),
    )
  ) {
    throw new TypeError(`${name}: must be a non-empty array of header or method names`);
  }
  return value as string[];
}
