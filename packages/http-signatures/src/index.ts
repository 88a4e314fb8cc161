/**
 * @fapi-guard/http-signatures — HTTP message signatures (RFC 9421) and Content-Digest
 * (RFC 9530) for FAPI 2.0 resource servers: verify signed requests, sign responses; and for
 * their clients: sign requests, verify responses.
 *
 * @packageDocumentation
 */
export { httpSignatures, FAPI_REQUEST_TAG } from './verify-request.js';
export type {
  RequestSignatureVerifier,
  SignedRequestMode,
  VerifiedSignature,
  VerifySignatureContext,
} from './verify-request.js';
export {
  DEFAULT_CLOCK_TOLERANCE_S,
  DEFAULT_MAX_AGE_S,
  MAX_MAX_AGE_S,
  MAX_PARAMETER_LENGTH,
} from './options.js';
export type { HttpSignatureOptions, ResponseSigningOptions } from './options.js';
export { signResponse, FAPI_RESPONSE_TAG } from './sign-response.js';
export type { SignResponseOptions, SignedResponseHeaders } from './sign-response.js';
export { SIGNATURE_ALGORITHMS, isSignatureAlgorithm } from './algorithms.js';
export type { SignatureAlgorithm } from './algorithms.js';
export { contentDigest } from './content-digest.js';
export type { DigestAlgorithm } from './content-digest.js';
export { createSignatureBase } from './components.js';
export type { BaseMessage } from './components.js';
export type { ResponseLike, SignedRequestLike } from './message.js';
export { signRequest } from './sign-request.js';
export { verifyResponse, ResponseSignatureError } from './verify-response.js';
export type {
  ResponseSignatureRule,
  VerifiedResponse,
  VerifyResponseOptions,
} from './verify-response.js';
export type { SignRequestOptions } from './sign-request.js';
export { responseSigningJwk, responseSigningMetadata } from './publication.js';
