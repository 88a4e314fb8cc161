import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Alg } from './algorithms.js';
import { signJwt, type KeyMaterial } from './jws.js';
import {
  barePublicJwk,
  createSigningKey,
  type SigningKey,
  type SigningKeyOptions,
} from './keys.js';
import { applyOverrides } from './lib/overrides.js';
import { epochSeconds, randomId } from './lib/random.js';

/**
 * A DPoP key pair: a {@link SigningKey} whose `publicJwk` is the bare public key (no `kid`,
 * `alg`, `use`), as a proof header carries it, plus its RFC 7638 thumbprint.
 */
export interface DpopKey extends SigningKey {
  /** base64url SHA-256 JWK thumbprint of `publicJwk`: the token's `cnf.jkt`. Also the `kid`. */
  readonly jkt: string;
  /** Bare public JWK (`kty` and key members only). */
  readonly publicJwk: JWK;
  /** Bare public JWK plus private members (`d`, ...): put it in a proof to test N33. */
  readonly privateJwk: JWK;
}

/** Options of {@link dpopProof}. */
export interface DpopProofOptions {
  /** The client's DPoP key; its public JWK goes in the header. */
  key: DpopKey;
  /** `htm`: the HTTP method, verbatim (case is not changed). */
  htm: string;
  /** `htu`: the target URI, verbatim (query and fragment are NOT stripped). */
  htu: string;
  /** Adds `ath` = base64url(SHA-256(accessToken)). */
  accessToken?: string;
  /** Adds `nonce`. */
  nonce?: string;
  /** `iat` in seconds since the epoch; default now. */
  iat?: number;
  /** `jti`; default 16 random bytes, base64url. */
  jti?: string;
  /** Merged over `{ typ: 'dpop+jwt', alg, jwk }`; `undefined` removes a member. */
  header?: Record<string, unknown>;
  /** Merged over `{ jti, htm, htu, iat, ath?, nonce? }`; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
  /**
   * Sign with this instead of `key` (the header still carries `key`'s jwk): another
   * {@link SigningKey}, or raw material, e.g. an HMAC secret with `header: { alg: 'HS256' }`.
   */
  signWith?: KeyMaterial;
  /** Signing algorithm when it must differ from the final `header.alg` (or that is absent). */
  signingAlg?: string;
}

/**
 * Generates a DPoP key pair (default ES256) and its thumbprint. The `kid` is the thumbprint.
 *
 * @example
 * ```ts
 * const dpopKey = await createDpopKey();
 * const token = await authority.mintAccessToken({ cnf: { jkt: dpopKey.jkt } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-6.1
 */
export async function createDpopKey(
  alg: Alg = 'ES256',
  options: Omit<SigningKeyOptions, 'kid'> = {},
): Promise<DpopKey> {
  const key = await createSigningKey(alg, options);
  const publicJwk = barePublicJwk(key.publicJwk);
  const jkt = await jwkThumbprint(publicJwk);
  const { kid: _kid, alg: _alg, use: _use, ...privateMembers } = key.privateJwk;
  return {
    ...key,
    kid: jkt,
    jkt,
    publicJwk,
    privateJwk: { ...publicJwk, ...privateMembers },
  };
}

/**
 * Makes a DPoP proof JWT. Default header `{ typ: 'dpop+jwt', alg: key.alg, jwk }`, default
 * claims `{ jti, htm, htu, iat }` plus `ath` and `nonce` when asked. Every field can be
 * overridden or removed, so each malformed variant of N27–N49 (docs/requirements.md) can be built; `alg: 'none'`
 * in `header` gives an empty signature.
 *
 * @example
 * ```ts
 * const proof = await dpopProof({ key: dpopKey, htm: 'GET', htu: 'https://rs.example.test/accounts', accessToken: token });
 * const leaked = await dpopProof({ key: dpopKey, htm: 'GET', htu, header: { jwk: dpopKey.privateJwk } });
 * const noJti = await dpopProof({ key: dpopKey, htm: 'GET', htu, claims: { jti: undefined } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export async function dpopProof(options: DpopProofOptions): Promise<string> {
  const { key } = options;
  const header = applyOverrides(
    { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk },
    options.header,
  );
  const claims: Record<string, unknown> = {
    jti: options.jti ?? randomId(),
    htm: options.htm,
    htu: options.htu,
    iat: options.iat ?? epochSeconds(),
  };
  if (options.accessToken !== undefined) claims['ath'] = computeAth(options.accessToken);
  if (options.nonce !== undefined) claims['nonce'] = options.nonce;
  const signer = options.signWith ?? key;
  const signingAlg =
    options.signingAlg ??
    (typeof header['alg'] === 'string' ? header['alg'] : signerAlg(signer, key.alg));
  return signJwt(header, applyOverrides(claims, options.claims), signer, { alg: signingAlg });
}

/**
 * `ath`: base64url(SHA-256(ASCII(accessToken))).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export function computeAth(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * RFC 7638 SHA-256 thumbprint of a public JWK, base64url (via jose).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

function signerAlg(signer: KeyMaterial, fallback: string): string {
  if (typeof signer === 'object' && 'alg' in signer && typeof signer.alg === 'string') {
    return signer.alg;
  }
  return fallback;
}
