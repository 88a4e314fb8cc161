import type { JWK } from 'jose';
import type { Alg } from './algorithms.js';
import { signJwt, type KeyMaterial } from './jws.js';
import { createSigningKey, type SigningKey, type SigningKeyOptions } from './keys.js';
import { applyOverrides } from './lib/overrides.js';
import { epochSeconds, randomId } from './lib/random.js';

/** Issuer of a {@link TestAuthority} unless told otherwise. */
export const DEFAULT_ISSUER = 'https://as.example.test';
/** Audience (resource identifier) of a {@link TestAuthority} unless told otherwise. */
export const DEFAULT_AUDIENCE = 'https://rs.example.test';
/** Lifetime of minted access tokens unless told otherwise. */
export const DEFAULT_ACCESS_TOKEN_TTL_S = 300;
/** Keys a {@link TestAuthority} starts with: the FAPI 2.0 algorithms, one key each. */
export const DEFAULT_AUTHORITY_ALGORITHMS: readonly Alg[] = ['ES256', 'PS256', 'EdDSA'];

/** Options of {@link createTestAuthority}. */
export interface TestAuthorityOptions {
  /** `iss` of minted tokens; default {@link DEFAULT_ISSUER}. */
  issuer?: string;
  /** `aud` of minted tokens; default {@link DEFAULT_AUDIENCE}. */
  audience?: string | string[];
  /** One key is generated per entry (distinct kids); default ES256, PS256, EdDSA. */
  algorithms?: Alg[];
}

/** A public JWK Set, `{ keys: [...] }`. */
export interface JsonWebKeySet {
  keys: JWK[];
}

/** Options of {@link TestAuthority.mintAccessToken}. */
export interface MintAccessTokenOptions {
  /** Sign with the newest key of this alg; default: the authority's first algorithm. */
  alg?: Alg;
  /** Sign with this key instead of one of the authority's (it need not be in the JWKS). */
  key?: SigningKey;
  /**
   * Raw signing material replacing the key's private key, e.g. the public key's PEM with
   * `header: { alg: 'HS256' }` for the key-confusion attack. The header keeps the key's `kid`.
   */
  signWith?: KeyMaterial;
  /** `iat`, in seconds since the epoch; default now. */
  now?: number;
  /** `exp - iat` in seconds; default {@link DEFAULT_ACCESS_TOKEN_TTL_S}. */
  expiresIn?: number;
  /** `scope` claim; default `'accounts'`. */
  scope?: string;
  /** `cnf` claim, e.g. `{ jkt }` (DPoP) or `{ 'x5t#S256': ... }` (mTLS); default none. */
  cnf?: Record<string, unknown>;
  /** Merged over the default claims; a value of `undefined` removes that claim. */
  claims?: Record<string, unknown>;
  /** Merged over the default header; a value of `undefined` removes that member. */
  header?: Record<string, unknown>;
}

/** An in-memory authorization server that mints RFC 9068 access tokens with real keys. */
export interface TestAuthority {
  /** `iss` of minted tokens. */
  readonly issuer: string;
  /** `aud` of minted tokens. */
  readonly audience: string | string[];
  /** The current keys, oldest first (a copy). */
  readonly keys: readonly SigningKey[];
  /** The public JWK Set of the current keys: no private members, a fresh copy per call. */
  jwks(): JsonWebKeySet;
  /** The key with this `kid`, else the newest key with this `alg`. Throws if none. */
  key(kidOrAlg: string): SigningKey;
  /** Generates a new key (new kid) for `alg`, publishes it, and returns it. */
  rotate(alg: Alg, options?: SigningKeyOptions): Promise<SigningKey>;
  /** Publishes an existing key (duplicate kids are allowed, for kid-collision tests). */
  addKey(key: SigningKey): void;
  /** Unpublishes every key with this `kid`; returns whether one was removed. */
  removeKey(kid: string): boolean;
  /** Mints a signed JWT access token (RFC 9068 profile). */
  mintAccessToken(options?: MintAccessTokenOptions): Promise<string>;
}

/**
 * Creates a test authorization server with one key per algorithm (default ES256, PS256,
 * EdDSA). Tokens carry header `{ typ: 'at+jwt', alg, kid }` and claims `iss`, `sub`
 * (`user-1`), `aud`, `client_id` (`client-1`), `iat`, `exp` (`iat + 300`), `jti`, `scope`
 * (`accounts`) and `cnf` when given.
 *
 * It does NOT hold state about issued tokens (no revocation, no introspection).
 *
 * @example
 * ```ts
 * const as = await createTestAuthority();
 * const dpopKey = await createDpopKey();
 * const token = await as.mintAccessToken({ alg: 'PS256', cnf: { jkt: dpopKey.jkt } });
 * const expired = await as.mintAccessToken({ now: 1_000, claims: { jti: undefined } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2
 */
export async function createTestAuthority(
  options: TestAuthorityOptions = {},
): Promise<TestAuthority> {
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const algorithms = options.algorithms ?? [...DEFAULT_AUTHORITY_ALGORITHMS];
  const defaultAlg = algorithms[0];
  if (defaultAlg === undefined) throw new TypeError('createTestAuthority: algorithms is empty');
  let keys: SigningKey[] = await Promise.all(algorithms.map((alg) => createSigningKey(alg)));

  const findKey = (kidOrAlg: string): SigningKey => {
    const found =
      keys.find((key) => key.kid === kidOrAlg) ?? keys.findLast((key) => key.alg === kidOrAlg);
    if (found === undefined) {
      throw new TypeError(`TestAuthority: no key with kid or alg "${kidOrAlg}" (use rotate())`);
    }
    return found;
  };

  return {
    issuer,
    audience,
    get keys() {
      return [...keys];
    },
    jwks: () => ({ keys: keys.map((key) => ({ ...key.publicJwk })) }),
    key: findKey,
    async rotate(alg, keyOptions) {
      const key = await createSigningKey(alg, keyOptions);
      keys.push(key);
      return key;
    },
    addKey(key) {
      keys.push(key);
    },
    removeKey(kid) {
      const before = keys.length;
      keys = keys.filter((key) => key.kid !== kid);
      return keys.length !== before;
    },
    async mintAccessToken(mint = {}) {
      const key = mint.key ?? findKey(mint.alg ?? defaultAlg);
      const iat = mint.now ?? epochSeconds();
      const defaults: Record<string, unknown> = {
        iss: issuer,
        sub: 'user-1',
        aud: audience,
        client_id: 'client-1',
        iat,
        exp: iat + (mint.expiresIn ?? DEFAULT_ACCESS_TOKEN_TTL_S),
        jti: randomId(),
        scope: mint.scope ?? 'accounts',
      };
      if (mint.cnf !== undefined) defaults['cnf'] = mint.cnf;
      const header = applyOverrides(
        { typ: 'at+jwt', alg: mint.alg ?? key.alg, kid: key.kid },
        mint.header,
      );
      const payload = applyOverrides(defaults, mint.claims);
      const signingAlg = typeof header['alg'] === 'string' ? header['alg'] : key.alg;
      return signJwt(header, payload, mint.signWith ?? key, { alg: signingAlg });
    },
  };
}
