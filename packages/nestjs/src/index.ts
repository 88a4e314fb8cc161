/**
 * @fapi-guard/nestjs — makes a NestJS application (Express or Fastify platform) a FAPI 2.0
 * resource server: a module, a guard, route decorators and RFC 6750 / RFC 9449 error mapping
 * over `@fapi-guard/core`.
 *
 * @packageDocumentation
 */
export { FapiGuardModule } from './fapi-guard.module.js';
export {
  FAPI_GUARD_MODULE_OPTIONS,
  type FapiGuardModuleAsyncOptions,
  type FapiGuardModuleExtras,
  type FapiGuardModuleForRootOptions,
  type FapiGuardModuleOptions,
} from './fapi-guard.module-definition.js';
export { FAPI_REPLAY_STORE, FAPI_RESOURCE_SERVER } from './fapi.constants.js';
export { FapiGuard } from './fapi.guard.js';
export { FapiHttpException } from './fapi-http.exception.js';
export { FapiExceptionFilter } from './fapi-exception.filter.js';
export {
  DpopBound,
  MtlsBound,
  Public,
  RequireAnyScope,
  RequireScopes,
  RequireAuthorizationDetails,
  RequireAcr,
  RequireClaims,
  SignedRequest,
  SignedResponse,
  type FapiRouteDecorator,
  type RequireAcrOptions,
} from './route-policy.decorator.js';
export { FapiPrincipal, type FapiRequest } from './fapi-principal.decorator.js';
export { fromPlatformRequest } from './platform-request.util.js';
export { CORS_DEFAULTS } from '@fapi-guard/core';
export type {
  AuthorizationDetail,
  AuthorizationDetailsRequirement,
  RequirementContext,
  Principal,
  SignatureEvidence,
  Binding,
  Requirements,
  ReplayStore,
  ResourceServer,
  ResourceServerOptions,
  CorsOptions,
} from '@fapi-guard/core';
