/**
 * One request's authorization (see {@link RequestAuthorization}): verified at most once, then
 * each requirement checked against the principal enriched so far.
 */
import type { RequirementContext } from './authorization-details.js';
import { contextOf } from './consent.js';
import { readRequest } from './request.js';
import type { Principal, RequestAuthorization, RequestLike, ResourceServer } from './types.js';

/**
 * Creates the authorization of one request. `verify` runs `describe` and verifies; it is
 * called at most once.
 */
export function createRequestAuthorization(
  server: Pick<ResourceServer, 'authorize'>,
  describe: () => RequestLike,
  verify: (describe: () => RequestLike) => Promise<Principal>,
): RequestAuthorization {
  let verified: Promise<Principal> | undefined;
  let described: RequestLike | undefined;
  // The principal enriched by the requirements checked so far (matched details kept).
  let current: Principal | undefined;

  /** The request's own method, path, query and body, when it can be read again. */
  function fallbackContext(): RequirementContext | undefined {
    try {
      return described && contextOf(readRequest(described));
    } catch {
      return undefined;
    }
  }

  const authorization: RequestAuthorization = {
    principal() {
      verified ??= verify(() => (described = describe()));
      return verified;
    },
    async require(requirements, requestContext) {
      const verifiedPrincipal = await authorization.principal();
      const base = current ?? verifiedPrincipal;
      current = server.authorize(base, requirements, requestContext ?? fallbackContext());
      return current;
    },
  };
  return authorization;
}
