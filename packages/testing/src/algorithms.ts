/**
 * Asymmetric JWS algorithms the kit can generate keys for and sign with. FAPI 2.0 allows only
 * `PS256`, `ES256` and `EdDSA` (Ed25519); the others exist so tests can prove they are refused.
 *
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.4.1
 */
export type Alg =
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'ES256K'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'EdDSA'
  | 'Ed25519'
  | 'Ed448';

/** HMAC JWS algorithms: signJwt can make them (key-confusion tests); no key type exists for them. */
export type HmacAlg = 'HS256' | 'HS384' | 'HS512';

/** Every `alg` value {@link signJwt} understands, including `none` (empty signature). */
export type JwsAlg = Alg | HmacAlg | 'none';

/** The FAPI 2.0 allowlist, in the order fapi-guard advertises it. */
export const FAPI_ALGORITHMS: readonly Alg[] = ['PS256', 'ES256', 'EdDSA'];

/** How a key for an algorithm is generated and how the algorithm signs. */
export interface AlgorithmProfile {
  /** Key family: `ec`, `rsa` or `okp` (Edwards curves). */
  readonly family: 'ec' | 'rsa' | 'okp';
  /** Signature scheme. */
  readonly scheme: 'ecdsa' | 'rsa-pss' | 'rsa-pkcs1' | 'eddsa';
  /** node:crypto digest name, or `null` for EdDSA (the curve defines it). */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Default curve (EC: JWK `crv` name; OKP: `Ed25519` / `Ed448`). */
  readonly curve?: string;
}

const PROFILES: Readonly<Record<Alg, AlgorithmProfile>> = {
  ES256: { family: 'ec', scheme: 'ecdsa', hash: 'sha256', curve: 'P-256' },
  ES384: { family: 'ec', scheme: 'ecdsa', hash: 'sha384', curve: 'P-384' },
  ES512: { family: 'ec', scheme: 'ecdsa', hash: 'sha512', curve: 'P-521' },
  ES256K: { family: 'ec', scheme: 'ecdsa', hash: 'sha256', curve: 'secp256k1' },
  PS256: { family: 'rsa', scheme: 'rsa-pss', hash: 'sha256' },
  PS384: { family: 'rsa', scheme: 'rsa-pss', hash: 'sha384' },
  PS512: { family: 'rsa', scheme: 'rsa-pss', hash: 'sha512' },
  RS256: { family: 'rsa', scheme: 'rsa-pkcs1', hash: 'sha256' },
  RS384: { family: 'rsa', scheme: 'rsa-pkcs1', hash: 'sha384' },
  RS512: { family: 'rsa', scheme: 'rsa-pkcs1', hash: 'sha512' },
  EdDSA: { family: 'okp', scheme: 'eddsa', hash: null, curve: 'Ed25519' },
  Ed25519: { family: 'okp', scheme: 'eddsa', hash: null, curve: 'Ed25519' },
  Ed448: { family: 'okp', scheme: 'eddsa', hash: null, curve: 'Ed448' },
};

const HMAC_HASH: Readonly<Record<HmacAlg, 'sha256' | 'sha384' | 'sha512'>> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

/** The profile of an asymmetric algorithm, or `undefined` if `alg` is not one. */
export function algorithmProfile(alg: string): AlgorithmProfile | undefined {
  return Object.hasOwn(PROFILES, alg) ? PROFILES[alg as Alg] : undefined;
}

/** The HMAC digest of an `HS*` algorithm, or `undefined`. */
export function hmacHash(alg: string): 'sha256' | 'sha384' | 'sha512' | undefined {
  return Object.hasOwn(HMAC_HASH, alg) ? HMAC_HASH[alg as HmacAlg] : undefined;
}

/** Byte length of a node:crypto digest (PS* salt length = digest length, RFC 7518 §3.5). */
export function digestLength(hash: 'sha256' | 'sha384' | 'sha512'): number {
  return { sha256: 32, sha384: 48, sha512: 64 }[hash];
}
