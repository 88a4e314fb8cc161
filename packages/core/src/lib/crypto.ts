/**
 * The one module of core that touches `node:crypto` (and `Buffer`). Everything on the hot path
 * (hashes, thumbprints, signature verification with cached `KeyObject`s) is synchronous here:
 * on Node it is several times faster than Web Crypto. A Web Crypto implementation of this module
 * could serve other runtimes.
 */
import {
  KeyObject,
  createHash,
  hash as oneShotHash,
  createHmac,
  createPublicKey,
  randomBytes,
  randomUUID,
  timingSafeEqual,
  verify as cryptoVerify,
  type JsonWebKeyInput,
} from 'node:crypto';
import type { FapiAlgorithm } from '../algorithms.js';

/** JWS algorithms that core can verify: the FAPI 2.0 list. */
export type JwsAlgorithm = FapiAlgorithm;

export type PublicKey = KeyObject;

const encoder = new TextEncoder();

export function base64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? encoder.encode(data) : data).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Strict base64url decode (RFC 4648 §5, no padding): undefined for any character outside the
 * alphabet and for non-canonical input whose last character carries unused bits, so every
 * byte sequence has exactly one accepted spelling.
 */
export function base64urlDecode(text: string): Uint8Array | undefined {
  const tail = text.length % 4;
  if (tail === 1 || !BASE64URL.test(text)) return undefined;
  if (tail !== 0) {
    const last = ALPHABET.indexOf(text[text.length - 1] as string);
    if ((last & (tail === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return Buffer.from(text, 'base64url');
}

/** Decodes standard base64 (with padding), as used by RFC 9440 byte sequences and PEM. */
export function base64Decode(text: string): Uint8Array | undefined {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, 'base64');
}

/** The bytes of a string written to a Node response in `encoding` (`utf8` unless named). */
export function encodeText(text: string, encoding: string | undefined): Uint8Array {
  return Buffer.from(text, (encoding ?? 'utf8') as BufferEncoding);
}

export function utf8Decode(bytes: Uint8Array): string {
  // What base64urlDecode returns is already a Buffer: no second view of the same bytes.
  if (Buffer.isBuffer(bytes)) return bytes.toString('utf8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * SHA-256 of `data`, base64url without padding. The one-shot `crypto.hash` (Node 20.12+) makes
 * no Hash object: on the short inputs of the hot path (the replay key, `ath`) it costs a
 * fraction of `createHash(...).update(...).digest(...)`.
 */
export function sha256Base64url(data: string | Uint8Array): string {
  return typeof oneShotHash === 'function'
    ? oneShotHash('sha256', data, 'base64url')
    : createHash('sha256').update(data).digest('base64url');
}

export function hmacSha256Base64url(secret: Uint8Array, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

/** Constant-time comparison of two strings; the length is not treated as secret. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Equality of two short public strings (a thumbprint, an `ath`) without an early exit on the
 * first differing character, and without the two buffers {@link safeEqual} allocates. Unlike
 * a byte comparison of their UTF-8 encodings, it never equates two different lone surrogates.
 */
export function equalStrings(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

export function randomId(): string {
  return randomUUID();
}

export function randomSecret(bytes = 32): Uint8Array {
  return new Uint8Array(randomBytes(bytes));
}

/** Imports a public JWK into a KeyObject; throws on malformed keys. */
export function importPublicJwk(jwk: Record<string, unknown>): PublicKey {
  return createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
}

const fromCryptoKeyCache = new WeakMap<object, PublicKey>();

/** Converts a Web Crypto `CryptoKey` (as jose returns) into a cached `KeyObject`. */
export function toPublicKey(key: unknown): PublicKey {
  if (key instanceof KeyObject) return key;
  let cached = fromCryptoKeyCache.get(key as object);
  if (!cached) {
    cached = KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
    fromCryptoKeyCache.set(key as object, cached);
  }
  return cached;
}

export interface KeyDescription {
  type: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'other';
  modulusLength?: number;
  namedCurve?: string;
}

export function describeKey(key: PublicKey): KeyDescription {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
      return { type, modulusLength: details.modulusLength };
    case 'ec':
      return { type, namedCurve: details.namedCurve };
    case 'ed25519':
      return { type };
    default:
      return { type: 'other' };
  }
}

/** Bytes reused for the signing input: verification is synchronous, one buffer serves all. */
let scratch = Buffer.allocUnsafe(4096);
/** A longer signing input gets its own buffer, so a huge one is not kept. */
const SCRATCH_MAX = 16_384;

/** The bytes of a JWS signing input (ASCII), in the shared buffer (valid until the next call). */
function signingBytes(signingInput: string): Buffer {
  if (signingInput.length > SCRATCH_MAX) return Buffer.from(signingInput, 'latin1');
  if (signingInput.length > scratch.length) scratch = Buffer.allocUnsafe(SCRATCH_MAX);
  return scratch.subarray(0, scratch.write(signingInput, 0, 'latin1'));
}

/**
 * Verifies a JWS signature over `signingInput` (the ASCII `header.payload`). The caller has
 * already checked that the key suits the algorithm; a mismatch simply fails verification.
 */
export function verifySignature(
  alg: JwsAlgorithm,
  key: PublicKey,
  signingInput: string,
  signature: Uint8Array,
): boolean {
  const data = signingBytes(signingInput);
  try {
    switch (alg) {
      case 'ES256':
        return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'PS256':
        return cryptoVerify(
          'sha256',
          data,
          { key, padding: RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          signature,
        );
      case 'EdDSA':
      case 'Ed25519':
        return cryptoVerify(null, data, key, signature);
    }
  } catch {
    return false;
  }
}

/** `crypto.constants.RSA_PKCS1_PSS_PADDING`, inlined to keep the import list short. */
const RSA_PKCS1_PSS_PADDING = 6;
