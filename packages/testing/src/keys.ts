import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { algorithmProfile, type Alg } from './algorithms.js';
import { ecJwkByHand, NODE_CURVE } from './lib/ec-jwk.js';
import { randomId } from './lib/random.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** RSA modulus length used unless {@link SigningKeyOptions.modulusLength} says otherwise. */
export const DEFAULT_RSA_MODULUS_BITS = 2048;

/** A real asymmetric signing key, bound to one JWS algorithm and one `kid`. */
export interface SigningKey {
  /** The JWS algorithm this key signs with. */
  readonly alg: Alg;
  /** Key identifier, also set in {@link SigningKey.publicJwk}. */
  readonly kid: string;
  /** node:crypto private key. */
  readonly privateKey: KeyObject;
  /** node:crypto public key. */
  readonly publicKey: KeyObject;
  /** Public JWK with `kid`, `alg` and `use: 'sig'`; no private members. */
  readonly publicJwk: JWK;
  /** The same JWK including the private members (`d`, `p`, `q`, ...): for "leaked key" tests. */
  readonly privateJwk: JWK;
}

/** Options of {@link createSigningKey}. */
export interface SigningKeyOptions {
  /** Key identifier; default `<alg>-<random>`, e.g. `es256-3qkV1uBf`. */
  kid?: string;
  /** RSA modulus length in bits (RS* / PS*); default 2048. Node generates down to 512. */
  modulusLength?: number;
  /**
   * Curve, as a JWK `crv` name. ES*: `P-192`, `P-224`, `P-256`, `P-384`, `P-521`, `secp256k1`
   * (default: the curve the alg names). EdDSA: `Ed25519` (default) or `Ed448`. Mismatches such
   * as ES256 on P-192 are allowed on purpose, for key-size negative tests.
   */
  crv?: string;
}

/**
 * Generates a key pair for `alg` with node:crypto (no jose checks), so keys jose would refuse —
 * RSA 1024, EC P-192 or P-224 — are possible for negative tests.
 *
 * @example
 * ```ts
 * const key = await createSigningKey('PS256');
 * const weak = await createSigningKey('PS256', { modulusLength: 1024, kid: 'weak' });
 * const p192 = await createSigningKey('ES256', { crv: 'P-192' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export async function createSigningKey(
  alg: Alg,
  options: SigningKeyOptions = {},
): Promise<SigningKey> {
  const profile = algorithmProfile(alg);
  if (profile === undefined) throw new TypeError(`createSigningKey: unsupported alg "${alg}"`);
  const crv = options.crv ?? profile.curve;
  const { privateKey, publicKey } = await generatePair(profile.family, crv, options.modulusLength);
  const kid = options.kid ?? `${alg.toLowerCase()}-${randomId(6)}`;
  const meta = { kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    privateKey,
    publicKey,
    publicJwk: { ...exportJwk(publicKey, crv), ...meta },
    privateJwk: { ...exportJwk(privateKey, crv, publicKey), ...meta },
  };
}

async function generatePair(
  family: 'ec' | 'rsa' | 'okp',
  crv: string | undefined,
  modulusLength: number | undefined,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (family === 'rsa') {
    return generateKeyPairAsync('rsa', {
      modulusLength: modulusLength ?? DEFAULT_RSA_MODULUS_BITS,
    });
  }
  if (family === 'okp') {
    if (crv === 'Ed448') return generateKeyPairAsync('ed448');
    if (crv === 'Ed25519') return generateKeyPairAsync('ed25519');
    throw new TypeError(`createSigningKey: unsupported Edwards curve "${String(crv)}"`);
  }
  const namedCurve = crv === undefined ? undefined : NODE_CURVE[crv];
  if (namedCurve === undefined) {
    throw new TypeError(`createSigningKey: unsupported EC curve "${String(crv)}"`);
  }
  return generateKeyPairAsync('ec', { namedCurve });
}

/**
 * Exports a key as JWK. Falls back to a hand-built EC JWK for curves node cannot export
 * (`ERR_CRYPTO_JWK_UNSUPPORTED_CURVE`: P-192, P-224).
 */
function exportJwk(key: KeyObject, crv: string | undefined, publicKey?: KeyObject): JWK {
  try {
    return key.export({ format: 'jwk' }) as JWK;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_CRYPTO_JWK_UNSUPPORTED_CURVE' || crv === undefined) throw error;
    return key.type === 'private' ? ecJwkByHand(crv, publicKey ?? key, key) : ecJwkByHand(crv, key);
  }
}

/**
 * Strips `kid`, `alg`, `use`, `key_ops` and every private member from a JWK: the bare public
 * key, as a DPoP proof header carries it.
 */
export function barePublicJwk(jwk: JWK): JWK {
  const { kty, crv, x, y, n, e } = jwk;
  const bare: JWK = { kty };
  if (crv !== undefined) bare.crv = crv;
  if (x !== undefined) bare.x = x;
  if (y !== undefined) bare.y = y;
  if (n !== undefined) bare.n = n;
  if (e !== undefined) bare.e = e;
  return bare;
}
