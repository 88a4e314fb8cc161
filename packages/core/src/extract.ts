import { FapiError, type AuthScheme } from './errors.js';
import type { HeaderBag } from './headers.js';

/** The access token as presented in the Authorization header. */
export interface Credentials {
  scheme: AuthScheme;
  token: string;
}

/** `b64token` (RFC 6750 §2.1) and `token68` (RFC 9110 §11.2) share this syntax. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEME_AND_REST = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/s;

/**
 * Takes the access token from the one place FAPI 2.0 allows it: the `Authorization` header
 * (RS-GEN-01, RS-GEN-02). Refuses query and form-body tokens, repeated headers and anything
 * that is not `Bearer`/`DPoP` followed by a well-formed token (RS-TOK-01..04).
 *
 * Does NOT check the token itself, the DPoP proof, or which scheme the token's binding needs.
 */
export function extractCredentials(headers: HeaderBag, url: string, body: unknown): Credentials {
  const authorization = headers.get('authorization') ?? [];
  const elsewhere = hasQueryToken(url) || hasBodyToken(body);
  if (authorization.length > 1 || (authorization.length === 1 && elsewhere)) {
    throw new FapiError('ERR_FAPI_MULTIPLE_METHODS');
  }
  const value = authorization[0];
  if (value === undefined) {
    throw new FapiError(elsewhere ? 'ERR_FAPI_TOKEN_IN_QUERY' : 'ERR_FAPI_NO_CREDENTIALS');
  }
  // What clients send: the scheme spelt as registered, one space, a well-formed token. The
  // general parse below gives the same answer for it, and the only answer for anything else.
  const exact = value.startsWith('DPoP ') ? 'DPoP' : value.startsWith('Bearer ') ? 'Bearer' : '';
  if (exact !== '') {
    const token = value.slice(exact.length + 1);
    if (TOKEN68.test(token)) return { scheme: exact, token };
  }
  const match = SCHEME_AND_REST.exec(value.trim());
  if (!match) throw new FapiError('ERR_FAPI_MALFORMED_AUTHORIZATION');
  const scheme = normalizeScheme(match[1] as string);
  if (!scheme) throw new FapiError('ERR_FAPI_UNSUPPORTED_SCHEME');
  const token = match[2] ?? '';
  if (token.includes(',')) {
    // Repeated headers joined by a proxy or by the fetch Headers class.
    throw new FapiError('ERR_FAPI_MULTIPLE_METHODS');
  }
  if (!TOKEN68.test(token)) {
    throw new FapiError('ERR_FAPI_MALFORMED_AUTHORIZATION', { scheme });
  }
  return { scheme, token };
}

/** Scheme names are case-insensitive (RFC 9110 §11.1). */
function normalizeScheme(raw: string): AuthScheme | undefined {
  const lower = raw.toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'dpop') return 'DPoP';
  return undefined;
}

function hasQueryToken(url: string): boolean {
  const start = url.indexOf('?');
  if (start < 0) return false;
  const end = url.indexOf('#', start);
  return new URLSearchParams(url.slice(start + 1, end < 0 ? undefined : end)).has('access_token');
}

function hasBodyToken(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    !ArrayBuffer.isView(body) &&
    Object.prototype.hasOwnProperty.call(body, 'access_token')
  );
}
