/**
 * Response signing under the FAPI 2.0 HTTP Signatures profile: `Content-Digest` of the exact
 * bytes sent, `@status`, `created`, `tag="fapi-2-response"`, and the request's components with
 * `;req` (RFC 9421 §2.4) so the signature proves which request it answers.
 */
import type { JsonWebKey, KeyObject } from 'node:crypto';
import {
  serializeDictionary,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import {
  importPrivateKey,
  isSignatureAlgorithm,
  keyFits,
  signBase,
  type SignatureAlgorithm,
} from './algorithms.js';
import { ComponentError, createSignatureBase, type BaseMessage } from './components.js';
import { contentDigest, type DigestAlgorithm } from './content-digest.js';
import {
  normalizeHeaders,
  parsedUrl,
  type ResponseLike,
  type SignedRequestLike,
} from './message.js';
import type { VerifiedSignature } from './verify-request.js';

/** The tag a FAPI response signature carries. */
export const FAPI_RESPONSE_TAG = 'fapi-2-response';

/**
 * What {@link signResponse} needs: the resource server's signing key, the response and the
 * request it answers (and that request's verified signature, when it was signed).
 *
 * @example
 * signResponse({ key, keyId: 'rs-2026', algorithm: 'ecdsa-p256-sha256', request, response, requestSignature });
 */
export interface SignResponseOptions {
  /** A private JWK (with `d`) or a private KeyObject. */
  key: JsonWebKey | KeyObject;
  /** The `keyid` clients look up in the resource server's JWKS (its metadata's `jwks_uri`). */
  keyId: string;
  algorithm: SignatureAlgorithm;
  response: ResponseLike;
  request: SignedRequestLike;
  /** The request's verified signature: then its `signature` and `signature-input` are covered. */
  requestSignature?: Pick<VerifiedSignature, 'label'> | undefined;
  /** The response signature's label (default `sig1`). */
  label?: string;
  /** `sha-256` (default) or `sha-512`. */
  digestAlgorithm?: DigestAlgorithm;
  /** Milliseconds since the epoch (default `Date.now()`). */
  now?: number;
}

/**
 * The headers to add to the response. `content-digest` is present when the body is not empty.
 *
 * @example
 * for (const [name, value] of Object.entries(signed)) res.setHeader(name, value);
 */
export interface SignedResponseHeaders {
  'content-digest'?: string;
  'signature-input': string;
  signature: string;
}

const plain = (name: string, params: Parameters = new Map()): Item => [name, params];
const fromRequest = (name: string, key?: string): Item => {
  const params: Parameters = new Map([['req', true]]);
  if (key !== undefined) params.set('key', key);
  return [name, params];
};

/**
 * Signs a response (RFC 9421 §2.4, FAPI 2.0 HTTP Signatures §5.3.2.1). Covers `@status`,
 * `content-digest` when there is a body, and the request's `@method`, `@target-uri`,
 * `content-digest` (when it had one), `signature` and `signature-input` (when it was signed)
 * with `;req`. The body must be the exact bytes that will be sent: compressing or re-encoding
 * it afterwards breaks the digest.
 *
 * @example
 * const body = Buffer.from(JSON.stringify(payment));
 * const signed = signResponse({ key, keyId: 'rs-2026', algorithm: 'ed25519', request,
 *   response: { status: 201, headers: { 'content-type': 'application/json' }, body } });
 * res.writeHead(201, { 'content-type': 'application/json', ...signed }).end(body);
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-2
 */
export function signResponse(options: SignResponseOptions): SignedResponseHeaders {
  if (!isSignatureAlgorithm(options.algorithm)) {
    throw new TypeError(`algorithm: ${String(options.algorithm)} is not supported`);
  }
  if (typeof options.keyId !== 'string' || options.keyId === '') {
    throw new TypeError('keyId: must be a non-empty string');
  }
  const key = importPrivateKey(options.key);
  if (key.type !== 'private' || !keyFits(options.algorithm, key)) {
    throw new TypeError(`key: not a private key for ${options.algorithm}`);
  }
  const body = options.response.body ?? new Uint8Array(0);
  const headers = new Map(normalizeHeaders(options.response.headers));
  const result: Partial<SignedResponseHeaders> = {};
  const components: Item[] = [plain('@status')];
  if (body.byteLength > 0) {
    result['content-digest'] = contentDigest(body, options.digestAlgorithm);
    headers.set('content-digest', [result['content-digest']]);
    components.push(plain('content-digest'));
  }
  const requestHeaders = normalizeHeaders(options.request.headers);
  components.push(fromRequest('@method'), fromRequest('@target-uri'));
  if (requestHeaders.has('content-digest')) components.push(fromRequest('content-digest'));
  const label = options.requestSignature?.label;
  if (label !== undefined) {
    components.push(fromRequest('signature', label), fromRequest('signature-input', label));
  }
  const params: Parameters = new Map<string, string | number>([
    ['created', Math.floor((options.now ?? Date.now()) / 1000)],
    ['keyid', options.keyId],
  ]);
  if (options.algorithm.includes('-') || options.algorithm === 'ed25519') {
    params.set('alg', options.algorithm);
  }
  params.set('tag', FAPI_RESPONSE_TAG);
  const input: InnerList = [components, params];
  const request: BaseMessage = {
    headers: requestHeaders,
    method: options.request.method,
    url: parsedUrl(options.request.url),
  };
  let base: string;
  try {
    base = createSignatureBase(input, { headers, status: options.response.status }, request);
  } catch (error) {
    if (error instanceof ComponentError) {
      throw new TypeError(`request: cannot cover ${error.message}`, { cause: error });
    }
    throw error;
  }
  const responseLabel = options.label ?? 'sig1';
  const signature = signBase(options.algorithm, key, base);
  result['signature-input'] = serializeDictionary(new Map([[responseLabel, input]]));
  result.signature = serializeDictionary(new Map([[responseLabel, [signature, new Map()]]]));
  return result as SignedResponseHeaders;
}
