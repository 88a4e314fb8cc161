/**
 * The client's check of a signed payment response (FAPI 2.0 HTTP Signatures §5.3.2.1): the
 * `fapi-2-response` signature by a key of the API's published JWKS, over `@status`, the
 * `content-digest` of the exact bytes received, and the request's `@method`, `@target-uri`,
 * `content-digest`, `signature` and `signature-input` (`;req`), so the answer is bound to the
 * very request that was signed. Built on @fapi-guard/http-signatures' `createSignatureBase` and
 * `contentDigest`, with node:crypto for the signature itself.
 */
import { createPublicKey, verify, constants, type JsonWebKey } from 'node:crypto';
import {
  FAPI_RESPONSE_TAG,
  contentDigest,
  createSignatureBase,
  type BaseMessage,
} from '@fapi-guard/http-signatures';
import { parseDictionary, serializeItem, type InnerList } from 'structured-headers';
import type { Exchange } from './api-client.js';

/** What the check found: `ok`, else the first rule broken. */
export interface ResponseSignatureCheck {
  ok: boolean;
  reason?: string;
  keyId?: string;
  created?: number;
  components?: string[];
}

/** Oldest response signature accepted, in seconds. */
const MAX_AGE_S = 60;

function bag(headers: Record<string, string>): BaseMessage['headers'] {
  return new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]));
}

function verifies(jwk: JsonWebKey, base: string, signature: Buffer): boolean {
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(base);
  switch (jwk.alg) {
    case 'ecdsa-p256-sha256':
    case 'ES256':
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'ed25519':
    case 'EdDSA':
      return verify(null, data, key, signature);
    case 'rsa-pss-sha512':
      return verify(
        'sha512',
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
        signature,
      );
    default:
      return false;
  }
}

/** The components a FAPI response signature must cover, given the request it answers. */
function requiredComponents(exchange: Exchange, label: string | undefined): string[] {
  const required = ['"@status"', '"@method";req', '"@target-uri";req'];
  if (exchange.response.bytes.byteLength > 0) required.push('"content-digest"');
  if (exchange.request.headers['content-digest']) required.push('"content-digest";req');
  if (label !== undefined) {
    required.push(`"signature";req;key="${label}"`, `"signature-input";req;key="${label}"`);
  }
  return required;
}

/**
 * Verifies the response signature of `exchange` with the keys of `jwks` (the API's, from its
 * metadata's `jwks_uri`). `requestLabel` is the label of the request's own signature.
 *
 * @example
 * const check = verifyResponseSignature(created, jwks, 'sig1');
 * if (!check.ok) throw new Error(`unsigned or tampered answer: ${check.reason}`);
 */
export function verifyResponseSignature(
  exchange: Exchange,
  jwks: { keys: readonly JsonWebKey[] },
  requestLabel: string | undefined,
  now = Date.now(),
): ResponseSignatureCheck {
  const { headers, bytes, status } = exchange.response;
  const inputs = headers['signature-input'];
  const signatures = headers['signature'];
  if (!inputs || !signatures) return { ok: false, reason: 'no Signature / Signature-Input' };
  let input: InnerList | undefined;
  let signature: Buffer | undefined;
  try {
    const parsed = parseDictionary(inputs);
    for (const [label, member] of parsed) {
      if (Array.isArray(member[0]) && member[1].get('tag') === FAPI_RESPONSE_TAG) {
        input = member as InnerList;
        const value = parseDictionary(signatures).get(label)?.[0];
        if (value instanceof ArrayBuffer) signature = Buffer.from(value);
      }
    }
  } catch {
    return { ok: false, reason: 'malformed signature headers' };
  }
  if (!input || !signature) return { ok: false, reason: `no ${FAPI_RESPONSE_TAG} signature` };
  const components = input[0].map((component) => serializeItem(component));
  const keyId = String(input[1].get('keyid'));
  const created = Number(input[1].get('created'));
  const facts = { keyId, created, components };
  const missing = requiredComponents(exchange, requestLabel).find((c) => !components.includes(c));
  if (missing) return { ok: false, reason: `${missing} not covered`, ...facts };
  const nowS = Math.floor(now / 1000);
  if (!Number.isInteger(created) || created > nowS + 5 || created < nowS - MAX_AGE_S) {
    return { ok: false, reason: 'created outside the window', ...facts };
  }
  if (bytes.byteLength > 0) {
    const sent = headers['content-digest'] ?? '';
    const algorithm = sent.startsWith('sha-512=') ? 'sha-512' : 'sha-256';
    if (sent !== contentDigest(bytes, algorithm)) {
      return { ok: false, reason: 'content-digest does not match the body', ...facts };
    }
  }
  const jwk = jwks.keys.find((k) => (k as { kid?: string }).kid === keyId);
  if (!jwk) return { ok: false, reason: `keyid ${keyId} is not in the API's JWKS`, ...facts };
  const request = exchange.request;
  let base: string;
  try {
    base = createSignatureBase(
      input,
      { headers: bag(headers), status },
      { headers: bag(request.headers), method: request.method, url: new URL(request.url) },
    );
  } catch {
    return { ok: false, reason: 'a covered component is missing', ...facts };
  }
  if (!verifies(jwk, base, signature)) return { ok: false, reason: 'bad signature', ...facts };
  return { ok: true, ...facts };
}
