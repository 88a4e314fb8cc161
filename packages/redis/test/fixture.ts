import {
  createDpopKey,
  createTestAuthority,
  dpopProof,
  type DpopKey,
  type TestAuthority,
} from '@fapi-guard/testing';
import {
  createResourceServer,
  FapiError,
  type Principal,
  type ReplayStore,
  type RequestLike,
  type ResourceServer,
} from '@fapi-guard/core';

/** A fixed clock: 2027-01-15T08:00:00Z. */
export const NOW_S = 1_800_000_000;
export const ISSUER = 'https://as.bank.test';
export const AUDIENCE = 'https://api.bank.test';
export const RESOURCE_URL = 'https://api.bank.test/accounts';
export const MAX_AGE_S = 60;
export const CLOCK_TOLERANCE_S = 5;
/** What core asks the store to remember a proof for: proof window + 2 × tolerance. */
export const REPLAY_TTL_MS = (MAX_AGE_S + 2 * CLOCK_TOLERANCE_S) * 1000;

export interface Api {
  authority: TestAuthority;
  dpopKey: DpopKey;
  /** One "API instance": its own resource server (and token cache) on the shared store. */
  instance(replayStore: ReplayStore): ResourceServer;
  /** A complete DPoP request with a fresh proof (new `jti`) for a fresh DPoP-bound token. */
  request(): Promise<RequestLike>;
}

let shared: Promise<{ authority: TestAuthority; dpopKey: DpopKey }> | undefined;

export async function createApi(): Promise<Api> {
  shared ??= (async () => ({
    authority: await createTestAuthority({ issuer: ISSUER, audience: AUDIENCE }),
    dpopKey: await createDpopKey('ES256'),
  }))();
  const { authority, dpopKey } = await shared;
  return {
    authority,
    dpopKey,
    instance: (replayStore) =>
      createResourceServer({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: authority.jwks(),
        clock: () => NOW_S * 1000,
        dpop: { replayStore, maxAgeSeconds: MAX_AGE_S, clockToleranceSeconds: CLOCK_TOLERANCE_S },
      }),
    async request() {
      const token = await authority.mintAccessToken({
        now: NOW_S,
        cnf: { jkt: dpopKey.jkt },
        scope: 'accounts',
      });
      const proof = await dpopProof({
        key: dpopKey,
        htm: 'GET',
        htu: RESOURCE_URL,
        accessToken: token,
        iat: NOW_S,
      });
      return {
        method: 'GET',
        url: RESOURCE_URL,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      };
    },
  };
}

/** The FapiError `verify` rejected with; fails the test if it resolved. */
export async function rejectionOf(rs: ResourceServer, request: RequestLike): Promise<FapiError> {
  let principal: Principal | undefined;
  try {
    principal = await rs.verify(request, { scopes: ['accounts'] });
  } catch (error) {
    expect(error).toBeInstanceOf(FapiError);
    return error as FapiError;
  }
  throw new Error(`expected a rejection, got the principal of ${principal.subject}`);
}

/** Milliseconds `work` took, with its settled result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}
