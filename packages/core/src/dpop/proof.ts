import { FapiError } from '../errors.js';
import type { HeaderBag } from '../headers.js';
import { BoundedCache } from '../lib/bounded-cache.js';
import {
  base64urlDecode,
  describeKey,
  equalStrings,
  importPublicJwk,
  sha256Base64url,
  verifySignature,
  type JwsAlgorithm,
  type PublicKey,
} from '../lib/crypto.js';
import { decodeJsonObject, splitCompactJws } from '../lib/jws.js';
import { jwkThumbprint } from '../lib/thumbprint.js';
import type { ReplayStore } from '../replay-store.js';
import { normalizeHtu } from './htu.js';
import type { NonceSource, NonceState } from './nonce.js';

/** What DPoP proof verification needs from the resource server's options. */
export interface DpopPolicy {
  algorithms: ReadonlySet<string>;
  /** How long after `iat` a proof is accepted. */
  maxAgeS: number;
  /** Accepted clock difference, both directions. */
  clockToleranceS: number;
  maxJtiLength: number;
  maxProofLength: number;
  replayStore: ReplayStore;
  nonces: NonceSource | undefined;
  /**
   * Proof headers already checked, keyed by the exact base64url header segment (the bytes
   * before the first `.`): a client sends the same header (typ, alg, jwk) with every proof, so
   * its checks, key import and thumbprint run once per distinct header. Entries never expire
   * (a header's checks do not depend on time); the cache is bounded, least recently used first.
   */
  headerCache: BoundedCache<CheckedHeader>;
}

/** The request the proof must match. */
export interface DpopRequest {
  method: string;
  /** The request URI, already normalized with {@link normalizeHtu}. */
  htu: string;
  /** base64url(SHA-256(access token)). */
  ath: string;
  /** The access token's `cnf.jkt`. */
  jkt: string;
}

export interface VerifiedDpopProof {
  jkt: string;
  /**
   * A newer nonce for the `DPoP-Nonce` response header when the proof's nonce is still valid
   * but no longer current (RFC 9449 §8.2); undefined otherwise, and when nonces are off.
   */
  nextNonce: string | undefined;
}

/** A proof header that passed the `typ`, `alg` and `jwk` checks. */
export interface CheckedHeader {
  alg: JwsAlgorithm;
  key: PublicKey;
  jkt: string;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MIN_RSA_BITS = 2048;

/** The key shape each allowed algorithm requires (one key, one algorithm). */
function keyFitsAlgorithm(alg: string, jwk: Record<string, unknown>): boolean {
  switch (alg) {
    case 'ES256':
      return jwk.kty === 'EC' && jwk.crv === 'P-256';
    case 'PS256':
      return jwk.kty === 'RSA';
    case 'EdDSA':
    case 'Ed25519':
      return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
    default:
      return false;
  }
}

/**
 * Verifies the DPoP proof of a resource request: every check of RFC 9449 §4.3 plus the access
 * token binding of §7.1 (`ath`, `cnf.jkt`). The signature is verified before anything touches
 * state (RS-DPOP-18); the replay store is written last, only for a proof that passed everything.
 *
 * Does NOT decide whether the request should carry a proof: the resource server does, from the
 * token's `cnf` and the scheme (RS-DPOP-15).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function verifyDpopProof(
  headers: HeaderBag,
  request: DpopRequest,
  policy: DpopPolicy,
  nowMs: number,
): Promise<VerifiedDpopProof> {
  const values = headers.get('dpop') ?? [];
  if (values.length === 0) throw new FapiError('ERR_FAPI_DPOP_PROOF_MISSING');
  if (values.length > 1 || (values[0] as string).includes(',')) {
    throw new FapiError('ERR_FAPI_DPOP_PROOF_MULTIPLE');
  }
  const segments = splitCompactJws((values[0] as string).trim(), policy.maxProofLength);
  if (!segments) throw new FapiError('ERR_FAPI_DPOP_PROOF_MALFORMED');
  const { alg, key, jkt } =
    policy.headerCache.get(segments.header, nowMs) ?? checkHeader(segments.header, policy, nowMs);
  const payload = decodeJsonObject(segments.payload);
  const signature = base64urlDecode(segments.signature);
  if (!payload || !signature) throw new FapiError('ERR_FAPI_DPOP_PROOF_MALFORMED');
  if (!verifySignature(alg, key, segments.signingInput, signature)) {
    throw new FapiError('ERR_FAPI_DPOP_SIGNATURE');
  }

  const { jti, htm, htu, iat } = payload;
  if (
    typeof jti !== 'string' ||
    jti.length === 0 ||
    typeof htm !== 'string' ||
    typeof htu !== 'string' ||
    typeof iat !== 'number' ||
    !Number.isFinite(iat)
  ) {
    throw new FapiError('ERR_FAPI_DPOP_CLAIM_INVALID');
  }
  if (jti.length > policy.maxJtiLength) throw new FapiError('ERR_FAPI_DPOP_JTI_TOO_LONG');

  const nonce = checkNonce(payload.nonce, policy.nonces, nowMs);
  if (htm !== request.method) throw new FapiError('ERR_FAPI_DPOP_HTM_MISMATCH');
  // request.htu is normalized and normalizing is idempotent: an `htu` spelt exactly like it
  // (what clients send) needs no second normalization.
  if (htu !== request.htu && normalizeHtu(htu) !== request.htu) {
    throw new FapiError('ERR_FAPI_DPOP_HTU_MISMATCH');
  }
  checkProofTimes(payload, policy, nowMs / 1000);

  if (payload.ath === undefined) throw new FapiError('ERR_FAPI_DPOP_ATH_MISSING');
  if (typeof payload.ath !== 'string' || !equalStrings(payload.ath, request.ath)) {
    throw new FapiError('ERR_FAPI_DPOP_ATH_MISMATCH');
  }
  if (!equalStrings(jkt, request.jkt)) {
    throw new FapiError('ERR_FAPI_DPOP_KEY_BINDING', { scheme: 'DPoP' });
  }

  const replayKey = sha256Base64url(`${jkt}\n${jti}`);
  const ttlS = policy.maxAgeS + 2 * policy.clockToleranceS;
  let fresh: boolean;
  try {
    const answer = policy.replayStore.checkAndStore(replayKey, ttlS);
    fresh = typeof answer === 'boolean' ? answer : await answer;
  } catch (cause) {
    throw new FapiError('ERR_FAPI_STORE_UNAVAILABLE', { cause });
  }
  if (!fresh) throw new FapiError('ERR_FAPI_DPOP_REPLAY');
  return {
    jkt,
    nextNonce: nonce === 'valid' && policy.nonces ? policy.nonces.current(nowMs) : undefined,
  };
}

/** Checks a proof header not seen before: `typ` (RS-DPOP-05), `alg` (RS-DPOP-06), `jwk`. */
function checkHeader(encoded: string, policy: DpopPolicy, nowMs: number): CheckedHeader {
  const header = decodeJsonObject(encoded);
  if (!header) throw new FapiError('ERR_FAPI_DPOP_PROOF_MALFORMED');
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') {
    throw new FapiError('ERR_FAPI_DPOP_TYP');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !policy.algorithms.has(alg)) {
    throw new FapiError('ERR_FAPI_DPOP_ALG');
  }
  const checked = { alg: alg as JwsAlgorithm, ...proofKey(header.jwk, alg) };
  policy.headerCache.set(encoded, checked, Number.POSITIVE_INFINITY, nowMs);
  return checked;
}

/**
 * Checks the header `jwk` (RS-DPOP-07): present, public only, of the type the algorithm needs,
 * large enough; returns it imported with its RFC 7638 thumbprint (the caller caches both with
 * the header they came from).
 */
function proofKey(jwk: unknown, alg: string): { key: PublicKey; jkt: string } {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new FapiError('ERR_FAPI_DPOP_JWK');
  }
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((name) => name in members) || !keyFitsAlgorithm(alg, members)) {
    throw new FapiError('ERR_FAPI_DPOP_JWK');
  }
  const jkt = jwkThumbprint(members);
  if (!jkt) throw new FapiError('ERR_FAPI_DPOP_JWK');
  let key: PublicKey;
  try {
    key = importPublicJwk(members);
  } catch (cause) {
    throw new FapiError('ERR_FAPI_DPOP_JWK', { cause });
  }
  const { modulusLength } = describeKey(key);
  if (modulusLength !== undefined && modulusLength < MIN_RSA_BITS) {
    throw new FapiError('ERR_FAPI_DPOP_JWK');
  }
  return { key, jkt };
}

/** Server nonces (RS-DPOP-10, RS-DPOP-17): once nonces are on, a proof without one never passes. */
function checkNonce(
  nonce: unknown,
  nonces: NonceSource | undefined,
  nowMs: number,
): NonceState | undefined {
  if (!nonces) return undefined;
  if (nonce === undefined) throw new FapiError('ERR_FAPI_DPOP_NONCE_REQUIRED');
  const state = typeof nonce === 'string' ? nonces.check(nonce, nowMs) : 'invalid';
  if (state === 'invalid') throw new FapiError('ERR_FAPI_DPOP_NONCE_INVALID');
  return state;
}

/** `iat` within the window (RS-DPOP-11); optional `exp`/`nbf` honoured when present. */
function checkProofTimes(payload: Record<string, unknown>, policy: DpopPolicy, nowS: number) {
  const { iat, exp, nbf } = payload as { iat: number; exp?: unknown; nbf?: unknown };
  const tolerance = policy.clockToleranceS;
  if (iat < nowS - policy.maxAgeS - tolerance || iat > nowS + tolerance) {
    throw new FapiError('ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW');
  }
  if (exp !== undefined && (typeof exp !== 'number' || nowS - tolerance >= exp)) {
    throw new FapiError('ERR_FAPI_DPOP_EXPIRED');
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowS + tolerance)) {
    throw new FapiError('ERR_FAPI_DPOP_IAT_OUT_OF_WINDOW');
  }
}
