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

/** The request path without query or fragment, for audit events. */
export function pathOf(url: string): string {
  const withoutOrigin = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
  return withoutOrigin.split(/[?#]/, 1)[0] || '/';
}
