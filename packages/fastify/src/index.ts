/**
 * @fapi-guard/fastify — FAPI 2.0 resource-server plugin for Fastify 5: `app.register(fapiGuard,
 * options)` guards every route of its context, each route states what it requires in
 * `config: { fapi: { ... } }` (checked at registration), the principal is on `request.fapi`,
 * and rejections are answered as RFC 6750 / RFC 9449 prescribe. All protocol decisions are
 * core's.
 *
 * @packageDocumentation
 */
import type { Principal, ResourceServer } from '@fapi-guard/core';
import type { FapiRouteConfig } from './route-config.js';

export { fapiGuard, type FapiGuardOptions } from './plugin.js';
export type { FapiRouteConfig } from './route-config.js';
export { toRequestLike } from './request.js';
export { FapiError, isFapiError, type Principal, type Requirements } from '@fapi-guard/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller on a guarded route; `null` on a public one. */
    fapi: Principal | null;
  }
  interface FastifyInstance {
    /** The core verifier the guard built (for `metadata()`), in the context it guards. */
    fapiResourceServer: ResourceServer;
  }
  interface FastifyContextConfig {
    /** What the route requires of the caller, or `{ public: true }`. */
    fapi?: FapiRouteConfig;
  }
}
