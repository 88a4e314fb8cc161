/** The request as `verify` reads it: every field read once, up front, and type-checked. */
import { normalizeHtu } from './dpop/htu.js';
import { normalizeHeaders, type HeaderBag } from './headers.js';
import type { CertificateInput } from './mtls/certificate.js';
import { misconfigured } from './rejection.js';
import type { RequestLike } from './types.js';

/** A {@link RequestLike} read into plain values. */
export interface ReadRequest {
  method: string;
  url: string;
  headers: HeaderBag;
  clientCertificate: CertificateInput | null | undefined;
  peerAddress: string | undefined;
  body: unknown;
  rawBody: Uint8Array | undefined;
}

/**
 * Reads every field of `request` once, so a getter that throws or a value of the wrong type
 * (an adapter bug) is a 500 `ERR_FAPI_MISCONFIGURED` here and nothing later re-reads it.
 */
export function readRequest(request: RequestLike): ReadRequest {
  let read: ReadRequest;
  try {
    const { method, url, headers, clientCertificate, peerAddress, body, rawBody } = request;
    read = {
      method: method as string,
      url: typeof url === 'string' ? url : url instanceof URL ? url.href : (url as string),
      headers: normalizeHeaders(headers),
      clientCertificate,
      peerAddress,
      body,
      rawBody,
    };
  } catch (cause) {
    throw misconfigured(cause);
  }
  if (typeof read.method !== 'string' || typeof read.url !== 'string') {
    throw misconfigured(new TypeError('request.method and request.url must be strings'));
  }
  if (read.rawBody !== undefined && !(read.rawBody instanceof Uint8Array)) {
    throw misconfigured(new TypeError('request.rawBody must be a Uint8Array'));
  }
  if (read.peerAddress !== undefined && typeof read.peerAddress !== 'string') {
    throw misconfigured(new TypeError('request.peerAddress must be a string'));
  }
  return read;
}

/** The normalized URI the DPoP `htu` must match, from the public URL when one is configured. */
export function requestHtu(url: string, publicUrl: URL | undefined): string {
  let htu: string | undefined;
  if (publicUrl) {
    const path = url.startsWith('/')
      ? url
      : url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
    const prefix = publicUrl.pathname.replace(/\/$/, '');
    htu = normalizeHtu(`${publicUrl.origin}${prefix}${path.startsWith('/') ? path : `/${path}`}`);
  } else {
    htu = normalizeHtu(url);
  }
  if (!htu) {
    throw misconfigured(
      new TypeError('request.url must be an absolute http(s) URL (or set the publicUrl option)'),
    );
  }
  return htu;
}

/** `scheme://` at the start of a URL (RFC 3986 §3.1). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const SLASH = 0x2f;
const QUESTION_MARK = 0x3f;
const HASH = 0x23;

/**
 * The request path without query or fragment, for audit events and matchers: what follows
 * `scheme://authority` (or the whole of a relative URL) up to `?` or `#`; `/` when empty. Found
 * by position, so a request pays one string for it.
 */
export function pathOf(url: string): string {
  let start = 0;
  if (SCHEME.test(url)) {
    start = url.indexOf('://') + 3;
    while (start < url.length) {
      const c = url.charCodeAt(start);
      if (c === SLASH || c === QUESTION_MARK || c === HASH) break;
      start += 1;
    }
  }
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === QUESTION_MARK || c === HASH) break;
    end += 1;
  }
  return end === start ? '/' : url.slice(start, end);
}
