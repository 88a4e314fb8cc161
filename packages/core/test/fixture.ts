/**
 * Core's own test helpers on top of the test kit's shared fixture: a resource server with a
 * movable clock per kit, complete DPoP requests, and an assertion of the exact rejection.
 */
import {
  createTestFixture,
  dpopProof,
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  FIXTURE_NOW_S,
  FIXTURE_RESOURCE_URL,
  parseWwwAuthenticate,
  type DpopKey,
  type DpopProofOptions,
  type MintAccessTokenOptions,
  type TestAuthority,
  type TestFixture,
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

export const NOW_S = FIXTURE_NOW_S;
export const ISSUER = FIXTURE_ISSUER;
export const AUDIENCE = FIXTURE_AUDIENCE;
export const RESOURCE_URL = FIXTURE_RESOURCE_URL;

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

let shared: Promise<TestFixture> | undefined;

/**
 * Keys are generated once per test file (an authority with one key per FAPI algorithm, ES256
 * signing by default); each kit gets its own resource server and clock.
 */
export async function createKit(options: Partial<ResourceServerOptions> = {}): Promise<Kit> {
  shared ??= createTestFixture({ algorithms: ['ES256', 'PS256', 'EdDSA'] });
  const fixture = await shared;
  const { authority, dpopKey } = fixture;
  const clock = { now: NOW_S * 1000 };
  const rs = createResourceServer({
    ...fixture.options,
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
  /**
   * The `error` value the challenge must carry, or null when no challenge may carry one (no
   * usable credentials). Omitted: the error's own `error` value, which must then exist.
   */
  error?: string | null;
  /**
   * The scheme whose challenge carries the error, the only one to carry it (`both`: every
   * challenge). Omitted: the error's own `scheme`, or every challenge when it has none.
   */
  scheme?: 'Bearer' | 'DPoP' | 'both';
}

/** The rejection `verify` ended with; fails the test, naming the subject, if it passed. */
export async function rejectionOf(
  rs: ResourceServer,
  request: RequestLike,
  requirements?: Requirements,
): Promise<FapiError> {
  let principal: Principal;
  try {
    principal = await rs.verify(request, requirements);
  } catch (error) {
    if (!(error instanceof FapiError)) {
      throw new Error(`expected a FapiError, verify rejected with ${String(error)}`, {
        cause: error,
      });
    }
    return error;
  }
  throw new Error(
    `expected a rejection, verify passed (subject ${principal.subject}, binding ${principal.binding.kind})`,
  );
}

/** Runs `verify` and asserts the rejection's status, code, and exact challenge shape. */
export async function expectRejection(
  rs: ResourceServer,
  request: RequestLike,
  expected: Expected,
  requirements?: Requirements,
): Promise<FapiError> {
  const fapi = await rejectionOf(rs, request, requirements);
  expect({ status: fapi.status, code: fapi.code }).toEqual({
    status: expected.status,
    code: expected.code ?? fapi.code,
  });
  expect(fapi.headers['cache-control']).toBe('no-store');
  expect(fapi.headers['x-fapi-interaction-id']).toBe(fapi.interactionId);
  const challenges = parseChallenges(fapi.headers['www-authenticate']);
  if (fapi.status >= 500) {
    expect(challenges).toEqual([]);
    return fapi;
  }
  expect(challenges.length).toBeGreaterThan(0);
  const withError = challenges.filter((c) => 'error' in c.params);
  if (expected.error === null) {
    expect(fapi.error).toBeUndefined();
    expect(withError).toEqual([]);
  } else {
    const error = expected.error ?? fapi.error;
    expect(error).toBeDefined();
    expect(fapi.error).toBe(error);
    expect(withError.length).toBeGreaterThan(0);
    expect(withError.map((c) => c.params.error)).toEqual(withError.map(() => error));
    const scheme = expected.scheme ?? fapi.scheme ?? 'both';
    const carriers = withError.map((c) => c.scheme).sort();
    if (scheme === 'both') expect(carriers).toEqual(challenges.map((c) => c.scheme).sort());
    else expect(carriers).toEqual([scheme]);
    expect(fapi.body()).toEqual({ error, error_description: fapi.description });
  }
  const dpop = challenges.find((c) => c.scheme === 'DPoP');
  if (dpop) expect(dpop.params.algs).toBe('PS256 ES256 EdDSA');
  return fapi;
}
