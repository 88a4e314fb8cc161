/**
 * @fapi-guard/testing — a test kit that makes real JWS with real keys: access tokens from an
 * in-memory authorization server, DPoP proofs (valid and every malformed variant), mTLS
 * certificates, and a local JWKS endpoint that can fail on demand.
 *
 * @packageDocumentation
 */
export { FAPI_ALGORITHMS, type Alg, type HmacAlg, type JwsAlg } from './algorithms.js';
export { base64url } from './base64url.js';
export {
  createSigningKey,
  barePublicJwk,
  DEFAULT_RSA_MODULUS_BITS,
  type SigningKey,
  type SigningKeyOptions,
} from './keys.js';
export {
  signJwt,
  createSignature,
  unsignedJwt,
  tamperSignature,
  truncateSignature,
  stripSignature,
  decodeJws,
  type KeyMaterial,
  type SignJwtOptions,
  type DecodedJws,
} from './jws.js';
export {
  createTestAuthority,
  DEFAULT_ISSUER,
  DEFAULT_AUDIENCE,
  DEFAULT_ACCESS_TOKEN_TTL_S,
  DEFAULT_AUTHORITY_ALGORITHMS,
  type TestAuthority,
  type TestAuthorityOptions,
  type MintAccessTokenOptions,
  type JsonWebKeySet,
} from './authority.js';
export {
  createDpopKey,
  dpopProof,
  computeAth,
  jwkThumbprint,
  type DpopKey,
  type DpopProofOptions,
} from './dpop.js';
export {
  createCertificateAuthority,
  createClientCertificate,
  toClientCertHeader,
  certificateThumbprint,
  DEFAULT_CERTIFICATE_VALIDITY_DAYS,
  type CertificateAuthority,
  type CertificateOptions,
  type ClientCertificate,
  type ClientCertificateOptions,
  type IssuedCertificate,
  type ServerCertificate,
  type ServerCertificateOptions,
} from './certificates.js';
export {
  startJwksServer,
  type JwksServer,
  type JwksServerMode,
  type JwksServerOptions,
  type JwksSource,
} from './jwks-server.js';
export {
  conformanceCases,
  runConformanceSuite,
  startConformanceServer,
  sendRequest,
  assertConformance,
  parseWwwAuthenticate,
  CONFORMANCE_AUDIENCE,
  CONFORMANCE_ISSUER,
  CONFORMANCE_NOW_S,
  CONFORMANCE_PUBLIC_URL,
  CONFORMANCE_ACCOUNT_CONSENT,
  CONFORMANCE_CLAIMS_RULE,
  CONFORMANCE_PAYMENT_CONSENT,
  CONFORMANCE_STEP_UP,
  CONFORMANCE_STRONG_ACR,
  CONFORMANCE_CLIENT_KEY_ID,
  CONFORMANCE_RESPONSE_KEY_ID,
  CONFORMANCE_SIGNING_CLIENT,
  conformanceSignatureJson,
  type AuthChallenge,
  type ConformanceApp,
  type ConformanceAppOptions,
  type ConformanceCase,
  type ConformanceExpectation,
  type ConformanceKit,
  type ConformanceRequest,
  type ConformanceResponse,
  type ConformanceServer,
  type ConformanceSuiteOptions,
  type ConformanceSignatureJson,
  type DpopRequestOptions,
  type MakeConformanceApp,
  type SignatureOverrides,
  type SignedRequestOptions,
} from './conformance/index.js';
export {
  createTestFixture,
  FIXTURE_AUDIENCE,
  FIXTURE_ISSUER,
  FIXTURE_NOW_S,
  FIXTURE_RESOURCE_URL,
  type TestFixture,
  type TestFixtureOptions,
} from './fixture.js';
