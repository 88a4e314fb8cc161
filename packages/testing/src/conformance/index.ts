export { conformanceCases } from './cases/index.js';
export {
  CONFORMANCE_ACCOUNT_CONSENT,
  CONFORMANCE_CLAIMS_RULE,
  CONFORMANCE_PAYMENT_CONSENT,
  CONFORMANCE_STEP_UP,
  CONFORMANCE_STRONG_ACR,
} from './consent-routes.js';
export { conformanceSignatureJson, type ConformanceSignatureJson } from './signed-routes.js';
export { runConformanceSuite, type ConformanceSuiteOptions } from './suite.js';
export { startConformanceServer } from './server.js';
export { sendRequest } from './http.js';
export { assertConformance } from './assert.js';
export { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';
export {
  CONFORMANCE_AUDIENCE,
  CONFORMANCE_CLIENT_KEY_ID,
  CONFORMANCE_ISSUER,
  CONFORMANCE_NOW_S,
  CONFORMANCE_PUBLIC_URL,
  CONFORMANCE_RESPONSE_KEY_ID,
  CONFORMANCE_SIGNING_CLIENT,
} from './kit.js';
export type {
  ConformanceApp,
  ConformanceAppOptions,
  ConformanceCase,
  ConformanceExpectation,
  ConformanceKit,
  ConformanceRequest,
  ConformanceResponse,
  ConformanceServer,
  DpopRequestOptions,
  MakeConformanceApp,
  SignatureOverrides,
  SignedRequestOptions,
} from './types.js';
