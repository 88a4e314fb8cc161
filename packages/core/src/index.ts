export { createResourceServer } from './resource-server.js';
export type {
  Binding,
  Principal,
  RequestAuthorization,
  RequestLike,
  ResourceServer,
} from './types.js';
export type { ResourceServerOptions } from './options.js';
export type {
  RequestSignatureVerifier,
  ResponseToSign,
  SignatureEvidence,
  SignedRequestView,
  SignedRequestMode,
} from './signatures.js';
export type { DpopOptions } from './dpop/options.js';
export type { MtlsOptions } from './mtls/options.js';
export type { IssuerOptions } from './access-token/issuers.js';
export type { TokenCacheOptions } from './access-token/token-cache.js';
export { FAPI_ALGORITHMS, isFapiAlgorithm } from './algorithms.js';
export type { FapiAlgorithm } from './algorithms.js';
export { ERROR_CODES, FapiError, isFapiError } from './errors.js';
export type {
  AuthScheme,
  FapiErrorBody,
  FapiErrorCode,
  FapiErrorOptions,
  OAuthError,
} from './errors.js';
export {
  assertRequirements,
  assertScopes,
  mergeRequirements,
  REQUIREMENT_KEYS,
} from './requirements.js';
export type { Requirements } from './requirements.js';
export type {
  AuthorizationDetail,
  AuthorizationDetailsRequirement,
  RequirementContext,
} from './authorization-details.js';
export type { DecisionEvent } from './decision.js';
export type { AccessTokenClaims } from './access-token/claims.js';
export { localJwks, remoteJwks } from './access-token/keys.js';
export type { KeyResolver, KeySelector, RemoteJwksOptions } from './access-token/keys.js';
export { memoryReplayStore } from './replay-store.js';
export type { MemoryReplayStore, MemoryReplayStoreOptions, ReplayStore } from './replay-store.js';
export { hmacNonces } from './dpop/nonce.js';
export type { HmacNonceOptions, NonceSource, NonceState } from './dpop/nonce.js';
export { normalizeHtu } from './dpop/htu.js';
export { protectedResourceMetadata, protectedResourceMetadataPath } from './metadata.js';
export type { MetadataExtras, ProtectedResourceMetadata } from './metadata.js';
export type { CertificateInput } from './mtls/certificate.js';
export type { HeaderInput, HeadersLike } from './headers.js';
export { renderChallenge } from './challenge.js';
export type { ChallengePolicy, ChallengeSubject } from './challenge.js';
export { fromNodeRequest } from './node-request.js';
export type { FromNodeRequestOptions, NodeRequestLike } from './node-request.js';
export { holdBackResponse, normalizeResponseHeaders } from './node-response.js';
export type { HoldBackOptions, NodeResponseLike } from './node-response.js';
export type { IntrospectionAuth, IntrospectionOptions } from './access-token/options.js';
export { compilePublicPaths } from './public-paths.js';
export type { PublicPathMatcher } from './public-paths.js';
export { compileCors, CORS_DEFAULTS } from './cors.js';
export type { CorsDecision, CorsOptions, CorsPolicy, CorsRequest } from './cors.js';
export { HELPER_REQUIREMENTS, requirementChain } from './route-helpers.js';
export type { AcrOptions, RequirementChain, RouteHelperName } from './route-helpers.js';
