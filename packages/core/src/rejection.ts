/**
 * The boundary where every failure becomes the one complete {@link FapiError} `verify` and
 * `authorize` reject with: the challenge rendered for the scheme in force, `DPoP-Nonce` when a
 * proof failed and nonces are on, `Cache-Control` and `x-fapi-interaction-id`.
 */
import { renderChallenge, type ChallengePolicy } from './challenge.js';
import type { NonceSource } from './dpop/nonce.js';
import { ERROR_CODES, FapiError, isFapiError, type AuthScheme } from './errors.js';

/** What was known of the request when it failed. */
export interface FailureContext {
  /** The scheme the client used, when its Authorization header could be read. */
  scheme?: AuthScheme | undefined;
  /** The interaction id in force, when the headers could be read. */
  interactionId: string;
  nowMs: number;
}

/** Turns failures into complete rejections for one resource server's policy. */
export interface Rejecter {
  reject(caught: unknown, context: FailureContext): FapiError;
}

/** A set-up mistake found at request time: 500 for the client, the TypeError kept for logs. */
export function misconfigured(cause: unknown): FapiError {
  return new FapiError('ERR_FAPI_MISCONFIGURED', { cause });
}

export function createRejecter(policy: ChallengePolicy, nonces: NonceSource | undefined): Rejecter {
  return {
    reject(caught, { scheme, interactionId, nowMs }) {
      const failure =
        isFapiError(caught) && Object.hasOwn(ERROR_CODES, caught.code)
          ? caught
          : new FapiError('ERR_FAPI_UNEXPECTED', { cause: caught });
      // An error tied to no scheme is shown in the client's scheme, except when the client mixed
      // methods (then every challenge carries it).
      const inScheme =
        failure.status < 500 && failure.code !== 'ERR_FAPI_MULTIPLE_METHODS'
          ? (failure.scheme ?? scheme)
          : failure.scheme;
      const subject = {
        status: failure.status,
        error: failure.error,
        description: failure.description,
        scheme: inScheme,
        scope: failure.scope,
        acrValues: failure.acrValues,
        maxAge: failure.maxAge,
      };
      const proofFailed =
        failure.error === 'use_dpop_nonce' || failure.error === 'invalid_dpop_proof';
      return new FapiError(failure.code, {
        scheme: inScheme,
        scope: failure.scope,
        acrValues: failure.acrValues,
        maxAge: failure.maxAge,
        cause: failure.cause,
        challenge: renderChallenge(subject, policy),
        dpopNonce: nonces && proofFailed ? currentNonce(nonces, nowMs) : undefined,
        interactionId,
      });
    },
  };
}

/** A fresh nonce for the rejection, or none when the nonce source fails (the rejection stands). */
function currentNonce(nonces: NonceSource, nowMs: number): string | undefined {
  try {
    const nonce = nonces.current(nowMs);
    return typeof nonce === 'string' ? nonce : undefined;
  } catch {
    return undefined;
  }
}

/** A clock that throws or answers anything but a finite number of milliseconds is a set-up bug. */
export function checkClock(nowMs: number): void {
  if (!Number.isFinite(nowMs)) {
    throw misconfigured(new TypeError('clock must return milliseconds since the epoch'));
  }
}
