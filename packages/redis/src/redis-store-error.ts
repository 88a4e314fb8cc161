/** Why a Redis replay-store call failed. Stable; safe to match on in an `onError` hook. */
export type RedisStoreErrorCode =
  /** No answer within `timeoutMs` (Redis slow, blocked, or the network silent). */
  | 'ERR_FAPI_REDIS_TIMEOUT'
  /** The client knows it is disconnected (reconnecting, or closed for good). */
  | 'ERR_FAPI_REDIS_DISCONNECTED'
  /** Redis or the client rejected the command (e.g. OOM, READONLY, connection reset). */
  | 'ERR_FAPI_REDIS_COMMAND'
  /** Redis answered something other than `OK` or nil. */
  | 'ERR_FAPI_REDIS_REPLY';

/**
 * The error a Redis replay store throws (core turns it into 503 `ERR_FAPI_STORE_UNAVAILABLE`,
 * keeping it as `cause`) and hands to `onError`. Its message names no key and no proof.
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  readonly code: RedisStoreErrorCode;

  constructor(code: RedisStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
