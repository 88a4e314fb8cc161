/**
 * The signature algorithms of the FAPI profile and the only module that touches `node:crypto`
 * for signatures: RFC 9421 §3.3 names and JWS names (§3.3.7). HMAC is never accepted: a shared
 * secret proves nothing to a third party, and non-repudiation is the point of the feature.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  hash as oneShotHash,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/**
 * The algorithms a signature may use: RFC 9421 §3.3 names and, through §3.3.7, the JWS names.
 *
 * @example
 * httpSignatures({ resolveClientKey, algorithms: ['ecdsa-p256-sha256', 'ES256'] });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-3.3
 */
export type SignatureAlgorithm =
  'rsa-pss-sha512' | 'ecdsa-p256-sha256' | 'ed25519' | 'PS256' | 'ES256' | 'EdDSA';

/**
 * Every algorithm this package implements, which is also the default allow-list.
 *
 * @example
 * SIGNATURE_ALGORITHMS.includes('hmac-sha256' as never); // false
 */
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  'rsa-pss-sha512',
  'ecdsa-p256-sha256',
  'ed25519',
  'PS256',
  'ES256',
  'EdDSA',
]);

/** The RFC 9421 names, the only ones an `alg` signature parameter may carry (§3.3.7). */
const HTTP_SIG_NAMES = new Set<string>(['rsa-pss-sha512', 'ecdsa-p256-sha256', 'ed25519']);

/** Algorithms that are the same computation under two names. */
const SAME_AS: Record<string, string> = {
  ES256: 'ecdsa-p256-sha256',
  'ecdsa-p256-sha256': 'ES256',
  EdDSA: 'ed25519',
  ed25519: 'EdDSA',
};

/** Whether `value` is one of {@link SIGNATURE_ALGORITHMS}. */
export function isSignatureAlgorithm(value: unknown): value is SignatureAlgorithm {
  return typeof value === 'string' && (SIGNATURE_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * The algorithm a signature uses, from its `alg` parameter and the key, or undefined when it is
 * not allowed or cannot be told (an RSA key without `alg` could be PS256 or rsa-pss-sha512).
 */
export function selectAlgorithm(
  parameter: unknown,
  jwk: JsonWebKey,
  allowed: readonly SignatureAlgorithm[],
): SignatureAlgorithm | undefined {
  if (jwk.kty === 'oct') return undefined;
  const keyAlg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  let chosen: string | undefined;
  if (parameter !== undefined) {
    if (typeof parameter !== 'string' || !HTTP_SIG_NAMES.has(parameter)) return undefined;
    if (keyAlg !== undefined && keyAlg !== parameter && SAME_AS[keyAlg] !== parameter) {
      return undefined;
    }
    chosen = parameter;
  } else if (keyAlg !== undefined) {
    chosen = keyAlg;
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    chosen = 'ecdsa-p256-sha256';
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    chosen = 'ed25519';
  }
  return isSignatureAlgorithm(chosen) && allowed.includes(chosen) ? chosen : undefined;
}

/** Whether `key` is the kind `algorithm` needs (curve, type, RSA of at least 2048 bits). */
export function keyFits(algorithm: SignatureAlgorithm, key: KeyObject): boolean {
  const details = key.asymmetricKeyDetails;
  switch (algorithm) {
    case 'rsa-pss-sha512':
    case 'PS256':
      return (
        (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
        (details?.modulusLength ?? 0) >= 2048
      );
    case 'ecdsa-p256-sha256':
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1';
    case 'ed25519':
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519';
  }
}

/** Imports a public JWK; undefined when it is not a usable public key. */
export function importPublicKey(jwk: JsonWebKey): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    return key.type === 'public' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Client keys already imported, by their JSON text (see {@link importClientKey}). */
const imported = new Map<string, KeyObject | undefined>();
const IMPORTED_MAX = 1_000;
/** Longest JWK text kept (an RSA 4096 public JWK is under 1 000 characters). */
const IMPORTED_MAX_LENGTH = 4_096;
/** What a public JWK's key is made of: `createPublicKey` reads nothing else of it. */
const KEY_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;
/** The last import of each JWK object, with the key members it was imported from. */
const importedObjects = new WeakMap<
  JsonWebKey,
  { members: readonly unknown[]; key: KeyObject | undefined }
>();

/**
 * {@link importPublicKey} for the key a client signs with, which comes back from
 * `resolveClientKey` on every request: importing a JWK (an EC point check, an RSA modulus)
 * costs more than the signature verification itself, so the result is kept, keyed by the
 * JWK's JSON text, and the key is imported from that very text. A changed key (a rotated JWK,
 * the same object altered) has another text and is imported afresh; a removed key is refused by
 * the resolver before this runs. Bounded: cleared when full, long texts never kept.
 *
 * A resolver that hands back the same object again, its key members (`kty`, `crv`, `x`, `y`,
 * `n`, `e`) equal to those of the text it was imported from, gets that key without the text
 * being made again.
 */
export function importClientKey(jwk: JsonWebKey): KeyObject | undefined {
  const seen = importedObjects.get(jwk);
  if (seen !== undefined && KEY_MEMBERS.every((name, i) => jwk[name] === seen.members[i])) {
    return seen.key;
  }
  let text: string;
  try {
    text = JSON.stringify(jwk);
  } catch {
    return undefined;
  }
  if (typeof text !== 'string' || text.length > IMPORTED_MAX_LENGTH) return importPublicKey(jwk);
  const parsed = JSON.parse(text) as JsonWebKey;
  let key: KeyObject | undefined;
  if (imported.has(text)) {
    key = imported.get(text);
  } else {
    key = importPublicKey(parsed);
    if (imported.size >= IMPORTED_MAX) imported.clear();
    imported.set(text, key);
  }
  importedObjects.set(jwk, { members: KEY_MEMBERS.map((name) => parsed[name]), key });
  return key;
}

/** Imports a private signing key given as a JWK with `d` or as a KeyObject. */
export function importPrivateKey(key: JsonWebKey | KeyObject): KeyObject {
  if (isKeyObject(key)) return key;
  return createPrivateKey({ key, format: 'jwk' });
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && 'asymmetricKeyType' in value;
}

/**
 * The digest and the key options of `algorithm`, apart: taking `hash` out of one object with a
 * rest pattern (`{ hash, ...options }`) copied the rest on every request.
 */
function parameters(algorithm: SignatureAlgorithm, key: KeyObject) {
  switch (algorithm) {
    case 'rsa-pss-sha512':
      return {
        hash: 'sha512',
        options: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
      };
    case 'PS256':
      return {
        hash: 'sha256',
        options: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      };
    case 'ecdsa-p256-sha256':
    case 'ES256':
      return { hash: 'sha256', options: { key, dsaEncoding: 'ieee-p1363' as const } };
    case 'ed25519':
    case 'EdDSA':
      return { hash: null, options: { key } };
  }
}

/** Bytes reused for the signature base: verification is synchronous, one buffer serves all. */
let scratch = Buffer.allocUnsafe(4096);
/** A base longer than this gets its own buffer, so a huge one is not kept. */
const SCRATCH_MAX = 16_384;

/** The UTF-8 bytes of `base`, in the shared buffer (valid until the next call). */
function baseBytes(base: string): Buffer {
  const most = base.length * 3;
  if (most > SCRATCH_MAX) return Buffer.from(base, 'utf8');
  if (most > scratch.length) scratch = Buffer.allocUnsafe(SCRATCH_MAX);
  return scratch.subarray(0, scratch.write(base, 0, 'utf8'));
}

/** Verifies `signature` over the signature base; false for any failure, never a throw. */
export function verifySignature(
  algorithm: SignatureAlgorithm,
  key: KeyObject,
  base: string,
  signature: Uint8Array,
): boolean {
  const data = baseBytes(base);
  try {
    switch (algorithm) {
      case 'ecdsa-p256-sha256':
      case 'ES256':
        // The common case without the parameters object.
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      default: {
        const { hash, options } = parameters(algorithm, key);
        return verify(hash, data, options, signature);
      }
    }
  } catch {
    return false;
  }
}

/** Signs the signature base. */
export function signBase(algorithm: SignatureAlgorithm, key: KeyObject, base: string): Uint8Array {
  const { hash, options } = parameters(algorithm, key);
  return sign(hash, Buffer.from(base, 'utf8'), options);
}

/** A fixed-length key for the replay store, so long key ids or nonces cannot grow it. */
export function replayKey(clientId: string, keyId: string, nonce: string): string {
  const parts = `${clientId.length}:${clientId}${keyId.length}:${keyId}${nonce.length}:${nonce}`;
  return `http-sig:${digest('sha256', parts, 'base64url')}`;
}

/**
 * A hash in one call: `crypto.hash` (Node 20.12+) where there is one, which makes no Hash
 * object and costs a fraction of `createHash` on the short inputs of a request.
 */
export function digest(
  algorithm: string,
  data: string | Uint8Array,
  encoding: 'base64' | 'base64url',
): string;
export function digest(algorithm: string, data: string | Uint8Array, encoding: 'buffer'): Buffer;
export function digest(
  algorithm: string,
  data: string | Uint8Array,
  encoding: 'base64' | 'base64url' | 'buffer',
): string | Buffer {
  if (typeof oneShotHash === 'function') {
    return encoding === 'buffer'
      ? oneShotHash(algorithm, data, 'buffer')
      : oneShotHash(algorithm, data, encoding);
  }
  const hash = createHash(algorithm).update(data);
  return encoding === 'buffer' ? hash.digest() : hash.digest(encoding);
}
