import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign,
} from 'node:crypto';
import { algorithmProfile, digestLength, hmacHash } from './algorithms.js';
import { base64url } from './base64url.js';
import type { SigningKey } from './keys.js';
import { applyOverrides } from './lib/overrides.js';

/**
 * What {@link signJwt} can sign with.
 *
 * - Asymmetric algs: a private `KeyObject`, a {@link SigningKey}, a PEM string, or PKCS#8 DER
 *   bytes.
 * - `HS*`: a string (UTF-8 bytes are the secret), bytes, a secret `KeyObject`, or an
 *   asymmetric `KeyObject` / {@link SigningKey}, whose **SPKI PEM** then becomes the secret —
 *   the classic "HS256 signed with the public key" confusion (RFC 8725 §2.1).
 */
export type KeyMaterial = KeyObject | SigningKey | Uint8Array | string;

/** Options of {@link signJwt}. */
export interface SignJwtOptions {
  /**
   * Algorithm to sign with when it must differ from `header.alg`, or when the header has no
   * `alg` at all (e.g. "proof without alg" tests). Default: `header.alg`.
   */
  alg?: string;
}

/** The parts of a compact JWS, decoded. */
export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array;
  /** `<header>.<payload>` exactly as signed. */
  signingInput: string;
}

/**
 * Signs `signingInput` with node:crypto and returns the raw JWS signature bytes: ECDSA in
 * IEEE P1363 (r || s) form, RSA-PSS with salt length = digest length, EdDSA via
 * `crypto.sign(null, ...)`, HMAC, or an empty signature for `none`.
 *
 * Use it to sign segments that are not JSON (malformed-proof tests).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3
 */
export function createSignature(
  alg: string,
  signingInput: string | Uint8Array,
  key: KeyMaterial,
): Uint8Array {
  const data = typeof signingInput === 'string' ? Buffer.from(signingInput, 'ascii') : signingInput;
  if (alg === 'none') return new Uint8Array(0);
  const hmac = hmacHash(alg);
  if (hmac !== undefined) {
    return new Uint8Array(createHmac(hmac, hmacSecret(key)).update(data).digest());
  }
  const profile = algorithmProfile(alg);
  if (profile === undefined) throw new TypeError(`createSignature: unsupported alg "${alg}"`);
  const privateKey = asymmetricKey(key);
  switch (profile.scheme) {
    case 'eddsa':
      return new Uint8Array(sign(null, data, privateKey));
    case 'ecdsa':
      return new Uint8Array(
        sign(profile.hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      );
    case 'rsa-pss':
      return new Uint8Array(
        sign(profile.hash, data, {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: digestLength(profile.hash ?? 'sha256'),
        }),
      );
    case 'rsa-pkcs1':
      return new Uint8Array(
        sign(profile.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING }),
      );
  }
}

/**
 * Makes a compact JWS with node:crypto directly (not jose), so it can produce what jose
 * refuses: RSA-1024 keys, `RS256`, `HS256` keyed with a public key's PEM, curves below P-256.
 * The algorithm is `header.alg` (or `options.alg`); `none` gives an empty signature.
 *
 * Header and payload are serialised with `JSON.stringify` in the given member order.
 *
 * @example
 * ```ts
 * const key = await createSigningKey('ES256');
 * const jws = signJwt({ alg: 'ES256', typ: 'JWT', kid: key.kid }, { sub: 'user-1' }, key.privateKey);
 * // key confusion: HS256 keyed with the public key PEM
 * const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
 * const forged = signJwt({ alg: 'HS256', kid: key.kid }, { sub: 'admin' }, pem);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyMaterial,
  options: SignJwtOptions = {},
): string {
  const alg = options.alg ?? header['alg'];
  if (typeof alg !== 'string') {
    throw new TypeError('signJwt: header.alg (or options.alg) must be a string');
  }
  const signingInput = `${base64url.encodeJson(header)}.${base64url.encodeJson(payload)}`;
  return `${signingInput}.${base64url.encode(createSignature(alg, signingInput, key))}`;
}

/**
 * An unsecured JWS: `alg` is `none` unless `header` sets it (e.g. `'NONE'`, or `'ES256'` for a
 * "signature stripped" token), and the signature segment is empty (`h.p.`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-6
 */
export function unsignedJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const fullHeader = applyOverrides({ alg: 'none' }, header);
  return `${base64url.encodeJson(fullHeader)}.${base64url.encodeJson(payload)}.`;
}

/**
 * Flips one bit of a compact JWS's signature (default: the lowest bit of its middle byte).
 * Header and payload are untouched, so only the signature check can catch it.
 */
export function tamperSignature(
  jws: string,
  options: { byte?: number; bit?: number } = {},
): string {
  const [head, body, signature] = splitCompact(jws);
  const bytes = base64url.decode(signature);
  if (bytes.length === 0) throw new TypeError('tamperSignature: the JWS has an empty signature');
  const index = options.byte ?? Math.floor(bytes.length / 2);
  const current = bytes[index];
  if (current === undefined) throw new RangeError(`tamperSignature: no signature byte ${index}`);
  bytes[index] = current ^ (1 << (options.bit ?? 0));
  return `${head}.${body}.${base64url.encode(bytes)}`;
}

/** Removes the last `bytes` bytes (default 1) of a compact JWS's signature. */
export function truncateSignature(jws: string, bytes = 1): string {
  const [head, body, signature] = splitCompact(jws);
  const raw = base64url.decode(signature);
  return `${head}.${body}.${base64url.encode(raw.subarray(0, Math.max(0, raw.length - bytes)))}`;
}

/** Keeps header and payload but empties the signature (`h.p.`). */
export function stripSignature(jws: string): string {
  const [head, body] = splitCompact(jws);
  return `${head}.${body}.`;
}

/**
 * Decodes a compact JWS without verifying it (for assertions in tests).
 *
 * @throws TypeError if it is not three segments of base64url JSON.
 */
export function decodeJws(jws: string): DecodedJws {
  const [head, body, signature] = splitCompact(jws);
  return {
    header: parseSegment(head, 'header'),
    payload: parseSegment(body, 'payload'),
    signature: base64url.decode(signature),
    signingInput: `${head}.${body}`,
  };
}

function splitCompact(jws: string): [string, string, string] {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new TypeError('expected a compact JWS with three segments');
  return parts as [string, string, string];
}

function parseSegment(segment: string, name: string): Record<string, unknown> {
  const value: unknown = JSON.parse(base64url.decodeToString(segment));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`JWS ${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function isSigningKey(key: KeyMaterial): key is SigningKey {
  return typeof key === 'object' && !(key instanceof KeyObject) && !(key instanceof Uint8Array);
}

function hmacSecret(key: KeyMaterial): Uint8Array | string | KeyObject {
  if (isSigningKey(key)) return spkiPem(key.publicKey);
  if (key instanceof KeyObject) return key.type === 'secret' ? key : spkiPem(key);
  return key;
}

function spkiPem(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ type: 'spki', format: 'pem' }) as string;
}

function asymmetricKey(key: KeyMaterial): KeyObject {
  if (isSigningKey(key)) return key.privateKey;
  if (key instanceof KeyObject) {
    if (key.type !== 'private') throw new TypeError('signJwt: a private KeyObject is required');
    return key;
  }
  if (typeof key === 'string') return createPrivateKey(key);
  return createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' });
}
