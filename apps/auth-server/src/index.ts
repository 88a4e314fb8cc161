export {
  createAuthServer,
  certificateJwk,
  DEFAULT_RESOURCES,
  FAPI_ALGS,
  RESOURCE_SCOPES,
  type AccessTokenFormat,
  type AuthServer,
  type AuthServerOptions,
  type SigningAlg,
} from './auth-server.js';
export {
  CookieJar,
  obtainAccessToken,
  introspectToken,
  generateDpopKey,
  type AccessTokenResult,
  type AuthorizationDetailRequest,
  type ClientTls,
  type FetchLike,
  type FlowPhase,
  type FlowStep,
  type IntrospectTokenOptions,
  type ObtainAccessTokenOptions,
} from './client-flow.js';
export {
  BOB_CREDITOR,
  DEMO_USER_ACCOUNTS,
  accountAccess,
  paymentInitiation,
} from './demo-consents.js';
export {
  DEV_FIXTURES_DIR,
  DPOP_CLIENT_ID,
  MTLS_CLIENT_ID,
  RS_CLIENT_ID,
  loadDevFixtures,
  publicJwk,
  type DemoUser,
  type DevFixtures,
} from './fixtures.js';
export {
  AUTH_SERVER_APP_DIR,
  AUTH_SERVER_MAIN,
  ensureAuthServerBuilt,
  spawnAuthServer,
  type SpawnAuthServerOptions,
  type SpawnedAuthServer,
} from './spawn.js';
export {
  ACCOUNT_ACCESS_SCHEMA,
  ACCOUNT_ACTIONS,
  ACR_PASSWORD,
  ACR_STRONG,
  ACR_VALUES,
  AUTHORIZATION_DETAILS_SCHEMAS,
  CONSENT_ID_MEMBER,
  DEV_ONE_TIME_CODE,
  PAYMENT_INITIATION_SCHEMA,
} from './consent.js';
export { validateJson, type JsonSchema } from './json-schema.js';
