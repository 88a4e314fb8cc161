import { assertRequirements, type Requirements } from '@fapi-guard/core';

/**
 * What a route states in `config: { fapi: ... }`: core's requirements (`scopes`, `anyScope`,
 * `binding`, and any key core adds), or `public: true` alone to opt the route out of the guard.
 *
 * @example
 * ```ts
 * app.post('/payments', { config: { fapi: { scopes: ['payments'], binding: 'dpop' } } }, pay);
 * app.get('/health', { config: { fapi: { public: true } } }, () => ({ ok: true }));
 * ```
 */
export type FapiRouteConfig = Requirements & {
  /** Let requests through without a token. Cannot be combined with requirements. */
  public?: boolean;
};

/** A route's `config.fapi`, checked: public, or the requirements to pass to core unchanged. */
export type CompiledRouteConfig =
  | { readonly public: true }
  | { readonly public: false; readonly requirements: Requirements | undefined };

const GUARDED: CompiledRouteConfig = { public: false, requirements: undefined };

/**
 * Checks a route's `config.fapi` and compiles it. Throws a TypeError naming the route for
 * anything but an object of core requirements, or `{ public: true }` on its own: a typo never
 * leaves a route less guarded than its author meant.
 */
export function compileRouteConfig(where: string, value: unknown): CompiledRouteConfig {
  if (value === undefined) return GUARDED;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where}: config.fapi must be an object`);
  }
  const { public: isPublic, ...requirements } = value as FapiRouteConfig;
  if (isPublic !== undefined && typeof isPublic !== 'boolean') {
    throw new TypeError(`${where}: config.fapi.public must be a boolean`);
  }
  if (isPublic === true) {
    if (Object.keys(requirements).length > 0) {
      throw new TypeError(
        `${where}: config.fapi.public cannot be combined with requirements (${Object.keys(requirements).join(', ')})`,
      );
    }
    return { public: true };
  }
  // Without a `public` key, core gets the route's own object, as written.
  const given = isPublic === undefined ? (value as Requirements) : requirements;
  assertRequirements(`${where}: config.fapi`, given);
  return { public: false, requirements: Object.keys(given).length > 0 ? given : undefined };
}
