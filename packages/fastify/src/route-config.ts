import { assertRequirements, type Requirements } from '@fapi-guard/core';

/**
 * What a route states in `config: { fapi: ... }`: core's requirements (`scopes`, `anyScope`,
 * `binding`, `signedRequest`, and any key core adds), `signedResponse: true` to sign the route's
 * answers, or `public: true` alone to opt the route out of the guard.
 *
 * @example
 * ```ts
 * app.post('/payments', { config: { fapi: { scopes: ['payments'], binding: 'dpop' } } }, pay);
 * app.post('/signed-payments', {
 *   config: { fapi: { scopes: ['payments'], signedRequest: 'required', signedResponse: true } },
 * }, pay);
 * app.get('/health', { config: { fapi: { public: true } } }, () => ({ ok: true }));
 * ```
 */
export type FapiRouteConfig = Requirements & {
  /** Let requests through without a token. Cannot be combined with anything else. */
  public?: boolean;
  /**
   * Sign the route's answers (RFC 9421 §2.4) over the serialized bytes sent. Needs core's
   * `httpSignatures` option with a `responseSigning` key (else a TypeError at registration).
   */
  signedResponse?: boolean;
};

/** A route's `config.fapi`, checked: public, or what the guard does on it. */
export type CompiledRouteConfig =
  | { readonly public: true }
  | {
      readonly public: false;
      /** Core's requirements, passed unchanged (without `signedResponse`). */
      readonly requirements: Requirements | undefined;
      /** The request's body bytes are captured (a `signedRequest` requirement). */
      readonly rawBody: boolean;
      readonly signedResponse: boolean;
    };

/** What the guard's configuration can do, for the checks of {@link compileRouteConfig}. */
export interface GuardCapabilities {
  /** Core's `httpSignatures` option is set. */
  readonly verifiesSignatures: boolean;
  /** `rs.signsResponses`: a response signing key is configured. */
  readonly signsResponses: boolean;
}

const GUARDED: CompiledRouteConfig = {
  public: false,
  requirements: undefined,
  rawBody: false,
  signedResponse: false,
};

/**
 * Checks a route's `config.fapi` and compiles it. Throws a TypeError naming the route for
 * anything but an object of core requirements (with `signedResponse` a boolean), or
 * `{ public: true }` on its own; and for a signature the server cannot verify or make
 * (`signedRequest` without `httpSignatures`, `signedResponse` without `responseSigning`): a typo
 * or a missing key never leaves a route less guarded than its author meant.
 */
export function compileRouteConfig(
  where: string,
  value: unknown,
  capabilities: GuardCapabilities,
): CompiledRouteConfig {
  if (value === undefined) return GUARDED;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where}: config.fapi must be an object`);
  }
  const { public: isPublic, signedResponse, ...requirements } = value as FapiRouteConfig;
  if (isPublic !== undefined && typeof isPublic !== 'boolean') {
    throw new TypeError(`${where}: config.fapi.public must be a boolean`);
  }
  if (signedResponse !== undefined && typeof signedResponse !== 'boolean') {
    throw new TypeError(`${where}: config.fapi.signedResponse must be a boolean`);
  }
  if (isPublic === true) {
    const others = Object.keys(value).filter((key) => key !== 'public');
    if (others.length > 0) {
      throw new TypeError(
        `${where}: config.fapi.public cannot be combined with requirements (${others.join(', ')})`,
      );
    }
    return { public: true };
  }
  // Without `public` or `signedResponse`, core gets the route's own object, as written.
  const given =
    isPublic === undefined && signedResponse === undefined ? (value as Requirements) : requirements;
  assertRequirements(`${where}: config.fapi`, given);
  if (given.signedRequest !== undefined && !capabilities.verifiesSignatures) {
    throw new TypeError(
      `${where}: config.fapi.signedRequest needs the httpSignatures option of the guard`,
    );
  }
  if (signedResponse === true && !capabilities.signsResponses) {
    throw new TypeError(
      `${where}: config.fapi.signedResponse needs httpSignatures({ responseSigning }) (no response signing key)`,
    );
  }
  return {
    public: false,
    requirements: Object.keys(given).length > 0 ? given : undefined,
    rawBody: given.signedRequest !== undefined,
    signedResponse: signedResponse === true,
  };
}
