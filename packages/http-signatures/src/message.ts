/**
 * The HTTP messages the verifier and the signer read: a neutral request (the same shape the
 * adapters hand to core, plus the raw body) and the response being signed.
 */
import type { HeaderInput } from '@fapi-guard/core';

/**
 * A request as received. `url` is the absolute URL the server serves (the one DPoP's `htu` is
 * compared with); `rawBody` the bytes as received, before any parsing.
 *
 * @example
 * const message: SignedRequestLike = { method: 'POST', url, headers: req.headersDistinct, rawBody };
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2
 */
export interface SignedRequestLike {
  method: string;
  url: string | URL;
  headers: HeaderInput | HeaderBag;
  /** The body bytes as received; absent or empty when the request has no body. */
  rawBody?: Uint8Array | undefined;
}

/**
 * A response about to be sent: status, the headers already set and the exact body bytes.
 *
 * @example
 * const response: ResponseLike = { status: 200, headers: { 'content-type': 'application/json' }, body };
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.2.9
 */
export interface ResponseLike {
  status: number;
  headers: HeaderInput;
  body?: Uint8Array | undefined;
}

/** Lower-cased header name to every value received, in order. */
export type HeaderBag = ReadonlyMap<string, readonly string[]>;

/**
 * A `Map` already lower-cased to lists of strings (core's own header map) is used as is.
 * Read by key, not by entry: an entry is an array made for each header of each request.
 */
function isHeaderBag(input: ReadonlyMap<unknown, unknown>): input is HeaderBag {
  for (const name of input.keys()) {
    if (typeof name !== 'string' || name !== name.toLowerCase()) return false;
    const values = input.get(name);
    if (!Array.isArray(values)) return false;
    for (let i = 0; i < values.length; i += 1) if (typeof values[i] !== 'string') return false;
  }
  return true;
}

/** Normalizes any header shape core accepts (and core's header map) into a {@link HeaderBag}. */
export function normalizeHeaders(input: HeaderInput | HeaderBag): HeaderBag {
  if (input instanceof Map && isHeaderBag(input)) return input;
  const bag = new Map<string, string[]>();
  const add = (name: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const key = name.toLowerCase();
    const values = bag.get(key);
    if (values) values.push(value);
    else bag.set(key, [value]);
  };
  if (Array.isArray(input)) {
    if (input.length > 0 && Array.isArray(input[0])) {
      for (const pair of input as ReadonlyArray<readonly [string, string]>) add(pair[0], pair[1]);
    } else {
      const flat = input as readonly string[];
      for (let i = 0; i + 1 < flat.length; i += 2) add(flat[i] as string, flat[i + 1]);
    }
  } else if (typeof (input as { forEach?: unknown }).forEach === 'function') {
    (input as { forEach(cb: (value: unknown, name: string) => void): void }).forEach((v, n) => {
      if (Array.isArray(v)) for (const item of v) add(n, item);
      else add(n, v);
    });
  } else if (typeof input === 'object' && input !== null) {
    for (const [name, value] of Object.entries(input)) {
      if (Array.isArray(value)) for (const item of value) add(name, item);
      else add(name, value);
    }
  } else {
    throw new TypeError('headers: must be a Headers object, a record or a raw header list');
  }
  return bag;
}

/** Whether the request carries a body, by its bytes or by its framing headers. */
export function hasBody(headers: HeaderBag, rawBody: Uint8Array | undefined): boolean {
  if (rawBody !== undefined) return rawBody.byteLength > 0;
  const length = headers.get('content-length')?.[0]?.trim();
  return headers.has('transfer-encoding') || (length !== undefined && length !== '0');
}

/**
 * URLs already parsed, by their text: a server signs and verifies for a few distinct URLs over
 * and over. Bounded: cleared when full, long texts never kept. The URL objects never leave this
 * package (only the signature base reads them), so none is ever changed.
 */
const parsedUrls = new Map<string, URL>();
const PARSED_URLS_MAX = 1_000;
const PARSED_URL_MAX_LENGTH = 2_048;

/** `url` as a URL: a URL as is, a text parsed once (a TypeError when it is not a URL). */
export function parsedUrl(url: string | URL): URL {
  if (url instanceof URL) return url;
  let parsed = parsedUrls.get(url);
  if (parsed === undefined) {
    parsed = new URL(url);
    if (url.length <= PARSED_URL_MAX_LENGTH) {
      if (parsedUrls.size >= PARSED_URLS_MAX) parsedUrls.clear();
      parsedUrls.set(url, parsed);
    }
  }
  return parsed;
}
