/**
 * @fapi-guard/fetch — FAPI 2.0 resource-server guard for Web-standard `Request` / `Response`
 * runtimes: `createFetchGuard(options)` verifies a request and resolves to the principal, or
 * rejects with a FapiError that `fapiErrorResponse` answers as RFC 6750 / RFC 9449 prescribe.
 * mTLS only through a trusted proxy's `Client-Cert` header. All protocol decisions are core's.
 * This package imports no `node:` module.
 *
 * @packageDocumentation
 */
export {
  createFetchGuard,
  type FetchGuard,
  type FetchGuardOptions,
  type GuardCallOptions,
} from './guard.js';
export { fapiErrorResponse, withFapiHeaders, withResponseSignature } from './response.js';
export {
  isFormContentType,
  readFormBody,
  readRawBody,
  requestContext,
  toRequestLike,
  type FetchRequestContext,
  type RequestContext,
} from './request.js';
export { FapiError, isFapiError, type Principal, type Requirements } from '@fapi-guard/core';
