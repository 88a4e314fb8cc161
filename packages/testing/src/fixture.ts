import type { ResourceServerOptions } from '@fapi-guard/core';
import type { Alg } from './algorithms.js';
import {
  createTestAuthority,
  type MintAccessTokenOptions,
  type TestAuthority,
} from './authority.js';
import { createDpopKey, dpopProof, type DpopKey } from './dpop.js';

/** The fixed time of {@link createTestFixture}: 2027-01-15T08:00:00Z, in seconds. */
export const FIXTURE_NOW_S = 1_800_000_000;
/** The default issuer of {@link createTestFixture}. */
export const FIXTURE_ISSUER = 'https://as.bank.test';
/** The default audience (resource server identifier) of {@link createTestFixture}. */
export const FIXTURE_AUDIENCE = 'https://api.bank.test';
/** A resource of {@link FIXTURE_AUDIENCE}, as a client addresses it (a DPoP `htu`). */
export const FIXTURE_RESOURCE_URL = 'https://api.bank.test/accounts';

/** Options of {@link createTestFixture}. */
export interface TestFixtureOptions {
  /** Default {@link FIXTURE_ISSUER}. */
  issuer?: string;
  /** Default {@link FIXTURE_AUDIENCE}. */
  audience?: string;
  /** The authority's signing keys, one per algorithm; the first signs by default. Default `['ES256']`. */
  algorithms?: Alg[];
}

/** What {@link createTestFixture} returns. */
export interface TestFixture {
  authority: TestAuthority;
  dpopKey: DpopKey;
  /** Options for `createResourceServer` or an adapter: local JWKS, fixed clock, no publicUrl. */
  options: ResourceServerOptions;
  /**
   * `Authorization` and `DPoP` headers for `method htu`, with a fresh DPoP-bound token of scope
   * `scope` (default `accounts payments`), or minted with these options (claims, scope, ...).
   */
  dpopHeaders(
    htu: string,
    method?: string,
    scope?: string | MintAccessTokenOptions,
  ): Promise<{ authorization: string; dpop: string }>;
}

/**
 * The usual set-up of a resource-server, adapter or application test: a test authority (ES256
 * unless `algorithms` says otherwise), a client DPoP key (ES256), matching resource-server
 * options at a fixed clock, and ready-made DPoP headers.
 *
 * @example
 * ```ts
 * const f = await createTestFixture();
 * app.use(fapiGuard(f.options));
 * await request(app).get('/accounts').set(await f.dpopHeaders('http://127.0.0.1/accounts'));
 * ```
 */
export async function createTestFixture(options: TestFixtureOptions = {}): Promise<TestFixture> {
  const issuer = options.issuer ?? FIXTURE_ISSUER;
  const audience = options.audience ?? FIXTURE_AUDIENCE;
  const [authority, dpopKey] = await Promise.all([
    createTestAuthority({ issuer, audience, algorithms: options.algorithms ?? ['ES256'] }),
    createDpopKey('ES256'),
  ]);
  return {
    authority,
    dpopKey,
    options: { issuer, audience, jwks: authority.jwks(), clock: () => FIXTURE_NOW_S * 1000 },
    async dpopHeaders(htu, method = 'GET', scope = 'accounts payments') {
      const mint = typeof scope === 'string' ? { scope } : scope;
      const token = await authority.mintAccessToken({
        now: FIXTURE_NOW_S,
        scope: 'accounts payments',
        cnf: { jkt: dpopKey.jkt },
        ...mint,
      });
      const proof = await dpopProof({
        key: dpopKey,
        htm: method,
        htu,
        accessToken: token,
        iat: FIXTURE_NOW_S,
      });
      return { authorization: `DPoP ${token}`, dpop: proof };
    },
  };
}
