/**
 * One request's authorization (see {@link RequestAuthorization}): verified at most once, then
 * each requirement checked against the principal enriched so far.
 */
import type { RequirementContext } from './authorization-details.js';
import { contextOf } from './consent.js';
import { readRequest } from './request.js';
import type { Requirements } from './requirements.js';
import type { SignedRequestMode } from './signatures.js';
import type { Principal, RequestAuthorization, RequestLike, ResourceServer } from './types.js';

/**
 * Creates the authorization of one request. `verify` runs `describe` and verifies; it is
 * called at most once. `verifySignature` checks the request's signature for a principal.
 */
export function createRequestAuthorization(
  server: Pick<ResourceServer, 'authorize'>,
  describe: () => RequestLike,
  verify: (describe: () => RequestLike) => Promise<Principal>,
  verifySignature: (
    principal: Principal,
    request: RequestLike,
    mode: SignedRequestMode,
  ) => Promise<Principal>,
): RequestAuthorization {
  let verified: Promise<Principal> | undefined;
  let described: RequestLike | undefined;
  // The principal enriched by the requirements checked so far (matched details kept).
  let current: Principal | undefined;
  // The signature check of this request, run at most once per mode that needs it: a `nonce`
  // must not be presented twice to the replay store by two requirements of one request.
  let signatureChecked: { mode: SignedRequestMode; principal: Promise<Principal> } | undefined;

  /**
   * The principal once the request's signature satisfies `mode`: verified on the first
   * requirement that asks, again only when an unsigned request met `optional` and a later
   * requirement says `required` (which then refuses it without a replay-store lookup).
   */
  function signed(principal: Principal, mode: SignedRequestMode): Promise<Principal> {
    const settled = signatureChecked;
    if (settled && (settled.mode === 'required' || mode === 'optional')) return settled.principal;
    const checking = settled
      ? settled.principal.then((earlier) =>
          earlier.signature ? earlier : verifySignature(earlier, describe(), mode),
        )
      : verifySignature(principal, describe(), mode);
    signatureChecked = { mode, principal: checking };
    return checking;
  }

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
      let base = current ?? verifiedPrincipal;
      let rest: Requirements = requirements;
      if (requirements.signedRequest !== undefined) {
        const { signedRequest, ...others } = requirements;
        const withSignature = await signed(base, signedRequest);
        base = current ?? verifiedPrincipal;
        if (withSignature.signature) base = { ...base, signature: withSignature.signature };
        rest = others;
      }
      current = server.authorize(base, rest, requestContext ?? fallbackContext());
      return current;
    },
  };
  return authorization;
}
