import {
  createTestFixture,
  dpopProof,
  FIXTURE_NOW_S,
  FIXTURE_RESOURCE_URL,
  type DpopKey,
  type TestAuthority,
  type TestFixture,
} from '@fapi-guard/testing';
import {
  createResourceServer,
  FapiError,
  type Principal,
  type ReplayStore,
  type RequestLike,
  type ResourceServer,
} from '@fapi-guard/core';

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

let shared: Promise<TestFixture> | undefined;

/** API instances on the test kit's shared fixture (keys made once per test file). */
export async function createApi(): Promise<Api> {
  shared ??= createTestFixture();
  const fixture = await shared;
  return {
    authority: fixture.authority,
    dpopKey: fixture.dpopKey,
    instance: (replayStore) =>
      createResourceServer({
        ...fixture.options,
        dpop: { replayStore, maxAgeSeconds: MAX_AGE_S, clockToleranceSeconds: CLOCK_TOLERANCE_S },
      }),
    async request() {
      const token = await fixture.authority.mintAccessToken({
        now: FIXTURE_NOW_S,
        cnf: { jkt: fixture.dpopKey.jkt },
        scope: 'accounts',
      });
      const proof = await dpopProof({
        key: fixture.dpopKey,
        htm: 'GET',
        htu: FIXTURE_RESOURCE_URL,
        accessToken: token,
        iat: FIXTURE_NOW_S,
      });
      return {
        method: 'GET',
        url: FIXTURE_RESOURCE_URL,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      };
    },
  };
}

/** The FapiError `verify` rejected with; fails the test, by name, if it resolved. */
export async function rejectionOf(rs: ResourceServer, request: RequestLike): Promise<FapiError> {
  let principal: Principal;
  try {
    principal = await rs.verify(request, { scopes: ['accounts'] });
  } catch (error) {
    if (!(error instanceof FapiError)) {
      throw new Error(`expected a FapiError, verify rejected with ${String(error)}`, {
        cause: error,
      });
    }
    return error;
  }
  throw new Error(`expected a rejection, got the principal of ${principal.subject}`);
}
