/**
 * Request signing for clients (and tests) under the FAPI 2.0 HTTP Signatures profile: by
 * default it covers exactly what the verifier requires.
 */
import type { JsonWebKey } from 'node:crypto';
import {
  serializeDictionary,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { importPrivateKey, isSignatureAlgorithm, keyFits, signBase } from './algorithms.js';
import { ComponentError, createSignatureBase } from './components.js';
import { contentDigest } from './content-digest.js';
import { normalizeHeaders, parsedUrl, type SignedRequestLike } from './message.js';
import type { SignResponseOptions } from './sign-response.js';
import { FAPI_REQUEST_TAG } from './verify-request.js';

/**
 * What {@link signRequest} needs. `components` replaces the default list (`@method`,
 * `@target-uri`, `authorization`, `dpop` when present, `content-digest` when there is a body).
 *
 * @example
 * signRequest({ key, keyId: 'client-k1', algorithm: 'ecdsa-p256-sha256', request, nonce: randomUUID() });
 */
export interface SignRequestOptions extends Pick<
  SignResponseOptions,
  'key' | 'keyId' | 'algorithm' | 'label' | 'digestAlgorithm' | 'now'
> {
  request: SignedRequestLike;
  components?: readonly string[];
  nonce?: string;
  /** `expires`, in seconds since the epoch. */
  expires?: number;
  /** Default `fapi-2-request`. */
  tag?: string;
}

/**
 * The headers to add to the request: `signature-input`, `signature` and, when the request has
 * a body, `content-digest` of its bytes (which it covers).
 *
 * @example
 * const body = Buffer.from(JSON.stringify(payment));
 * const headers = { authorization: `DPoP ${token}`, dpop: proof, 'content-type': 'application/json' };
 * const signed = signRequest({ key, keyId, algorithm: 'ed25519',
 *   request: { method: 'POST', url, headers, rawBody: body } });
 * await fetch(url, { method: 'POST', headers: { ...headers, ...signed }, body });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.1
 */
export function signRequest(options: SignRequestOptions): Record<string, string> {
  if (!isSignatureAlgorithm(options.algorithm)) {
    throw new TypeError(`algorithm: ${String(options.algorithm)} is not supported`);
  }
  const key = importPrivateKey(options.key as JsonWebKey);
  if (key.type !== 'private' || !keyFits(options.algorithm, key)) {
    throw new TypeError(`key: not a private key for ${options.algorithm}`);
  }
  const headers = new Map(normalizeHeaders(options.request.headers));
  const body = options.request.rawBody ?? new Uint8Array(0);
  const result: Record<string, string> = {};
  if (body.byteLength > 0) {
    result['content-digest'] = contentDigest(body, options.digestAlgorithm);
    headers.set('content-digest', [result['content-digest']]);
  }
  const names = options.components ?? [
    '@method',
    '@target-uri',
    'authorization',
    ...(headers.has('dpop') ? ['dpop'] : []),
    ...(body.byteLength > 0 ? ['content-digest'] : []),
  ];
  const components: Item[] = names.map((name) => [name, new Map()]);
  const params: Parameters = new Map<string, string | number>([
    ['created', Math.floor((options.now ?? Date.now()) / 1000)],
    ['keyid', options.keyId],
  ]);
  if (options.expires !== undefined) params.set('expires', options.expires);
  if (options.nonce !== undefined) params.set('nonce', options.nonce);
  params.set('tag', options.tag ?? FAPI_REQUEST_TAG);
  const input: InnerList = [components, params];
  const url = options.request.url;
  let base: string;
  try {
    base = createSignatureBase(input, {
      headers,
      method: options.request.method,
      url: parsedUrl(url),
    });
  } catch (error) {
    if (error instanceof ComponentError) {
      throw new TypeError(`request: cannot cover ${error.message}`, { cause: error });
    }
    throw error;
  }
  const label = options.label ?? 'sig1';
  result['signature-input'] = serializeDictionary(new Map([[label, input]]));
  const signature = signBase(options.algorithm, key, base);
  result.signature = serializeDictionary(new Map([[label, [signature, new Map()]]]));
  return result;
}
