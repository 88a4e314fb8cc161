import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  parseWwwAuthenticate,
  type DpopKey,
  type DpopProofOptions,
  type MintAccessTokenOptions,
  type TestAuthority,
} from '@fapi-guard/testing';
import {
  createResourceServer,
  FapiError,
  type Principal,
  type RequestLike,
  type Requirements,
  type ResourceServer,
  type ResourceServerOptions,
} from '../src/index.js';

/** A fixed clock: 2027-01-15T08:00:00Z. */
export const NOW_S = 1_800_000_000;
export const ISSUER = 'https://as.bank.test';
export const AUDIENCE = 'https://api.bank.test';
export const RESOURCE_URL = 'https://api.bank.test/accounts';

export interface Kit {
  authority: TestAuthority;
  dpopKey: DpopKey;
  rs: ResourceServer;
  clock: { now: number };
  /** A DPoP-bound access token for `dpopKey`. */
  dpopToken(options?: MintAccessTokenOptions): Promise<string>;
  /** A proof for `GET RESOURCE_URL` bound to `token`, at the fixed time. */
  proof(token: string, options?: Partial<DpopProofOptions>): Promise<string>;
  /** A complete valid DPoP request; `headers` are merged over the defaults. */
  dpopRequest(options?: {
    token?: string;
    proof?: Partial<DpopProofOptions>;
    headers?: Record<string, string | string[] | undefined>;
    method?: string;
    url?: string;
  }): Promise<RequestLike>;
}

let shared: Promise<{ authority: TestAuthority; dpopKey: DpopKey }> | undefined;

/** Keys are generated once per test file; each kit gets its own resource server. */
export async function createKit(options: Partial<ResourceServerOptions> = {}): Promise<Kit> {
  shared ??= (async () => ({
    authority: await createTestAuthority({ issuer: ISSUER, audience: AUDIENCE }),
    dpopKey: await createDpopKey('ES256'),
  }))();
  const { authority, dpopKey } = await shared;
  const clock = { now: NOW_S * 1000 };
  const rs = createResourceServer({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: authority.jwks(),
    clock: () => clock.now,
    ...options,
  } as ResourceServerOptions);
  const kit: Kit = {
    authority,
    dpopKey,
    rs,
    clock,
    dpopToken: (mint = {}) =>
      authority.mintAccessToken({
        now: NOW_S,
        cnf: { jkt: dpopKey.jkt },
        scope: 'accounts payments',
        ...mint,
      }),
    proof: (token, proof = {}) =>
      dpopProof({
        key: dpopKey,
        htm: 'GET',
        htu: RESOURCE_URL,
        accessToken: token,
        iat: NOW_S,
        ...proof,
      }),
    async dpopRequest({ token, proof, headers = {}, method = 'GET', url = RESOURCE_URL } = {}) {
      const accessToken = token ?? (await kit.dpopToken());
      return {
        method,
        url,
        headers: stripUndefined({
          authorization: `DPoP ${accessToken}`,
          dpop: await kit.proof(accessToken, { htm: method, ...proof }),
          ...headers,
        }),
      };
    },
  };
  return kit;
}

function stripUndefined(headers: Record<string, string | string[] | undefined>) {
  return Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | string[]
  >;
}

/** Parses challenges back (the kit's parser: fails on anything malformed or repeated). */
export const parseChallenges = parseWwwAuthenticate;

export interface Expected {
  status: number;
  code?: string;
  /** The `error` value, or null when no challenge may carry one. */
  error?: string | null;
  /** The scheme whose challenge carries the error (checked to be the only one, unless `both`). */
  scheme?: 'Bearer' | 'DPoP' | 'both';
}

/** Runs `verify` and asserts the rejection's status, code, and exact challenge shape. */
export async function expectRejection(
  rs: ResourceServer,
  request: RequestLike,
  expected: Expected,
  requirements?: Requirements,
): Promise<FapiError> {
  let error: unknown;
  let principal: Principal | undefined;
  try {
    principal = await rs.verify(request, requirements);
  } catch (caught) {
    error = caught;
  }
  expect(principal).toBeUndefined();
  expect(error).toBeInstanceOf(FapiError);
  const fapi = error as FapiError;
  expect({ status: fapi.status, code: fapi.code }).toEqual({
    status: expected.status,
    code: expected.code ?? fapi.code,
  });
  const challenges = parseChallenges(fapi.headers['www-authenticate']);
  if (fapi.status === 503) {
    expect(challenges).toEqual([]);
    return fapi;
  }
  expect(challenges.length).toBeGreaterThan(0);
  const withError = challenges.filter((c) => 'error' in c.params);
  if (expected.error === null) {
    expect(withError).toEqual([]);
  } else if (expected.error !== undefined) {
    expect(withError.map((c) => c.params.error)).toEqual(withError.map(() => expected.error));
    if (expected.scheme === 'both') {
      expect(withError.map((c) => c.scheme).sort()).toEqual(['Bearer', 'DPoP']);
    } else if (expected.scheme) {
      expect(withError.map((c) => c.scheme)).toEqual([expected.scheme]);
    }
    expect(fapi.body()).toEqual({ error: expected.error, error_description: fapi.description });
  }
  const dpop = challenges.find((c) => c.scheme === 'DPoP');
  if (dpop) expect(dpop.params.algs).toBe('PS256 ES256 EdDSA');
  return fapi;
}
