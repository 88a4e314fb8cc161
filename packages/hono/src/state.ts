import {
  FapiError,
  type RequestAuthorization,
  type RequestLike,
  type ResourceServer,
} from '@fapi-guard/core';
import { fapiErrorResponse, readFormBody, toRequestLike } from '@fapi-guard/fetch';
import type { Context } from 'hono';

/** What `fapiGuard()` leaves on a request for the route helpers. */
export interface GuardState {
  resourceServer: ResourceServer;
  peerAddress: ((c: Context) => string | undefined) | undefined;
  certificateHeader: string | undefined;
}

/** Keyed by the `Request` every middleware of one request shares (`c.req.raw`). */
const states = new WeakMap<Request, GuardState>();

export function guardStateOf(c: Context): GuardState | undefined {
  return states.get(c.req.raw);
}

export function setGuardState(c: Context, state: GuardState): void {
  states.set(c.req.raw, state);
}

const formBodies = new WeakMap<Request, Promise<Record<string, string> | undefined>>();

/** The request's form body (read from a clone once per request), or undefined if not a form. */
export function formBodyOf(c: Context): Promise<Record<string, string> | undefined> {
  let body = formBodies.get(c.req.raw);
  if (!body) {
    body = readFormBody(c.req.raw);
    formBodies.set(c.req.raw, body);
  }
  return body;
}

const rawBodies = new WeakMap<Request, Promise<Uint8Array>>();
const readBodies = new WeakMap<Request, Uint8Array>();

/**
 * The request's body bytes, read once through `c.req.arrayBuffer()`: Hono keeps them, and
 * `c.req.json()`, `text()` and `parseBody()` later decode those same bytes. Kept for every
 * later description of the request (the signature check describes it afresh).
 */
export async function rawBodyOf(c: Context): Promise<Uint8Array> {
  let bytes = rawBodies.get(c.req.raw);
  if (!bytes) {
    bytes = c.req.arrayBuffer().then(
      (buffer) => new Uint8Array(buffer),
      (cause: unknown) => {
        throw new FapiError('ERR_FAPI_MISCONFIGURED', {
          cause: new TypeError(
            `signedRequest: the body of c.req.raw was read before the helper; read it through c.req (${String(cause)})`,
          ),
        });
      },
    );
    rawBodies.set(c.req.raw, bytes);
  }
  const read = await bytes;
  readBodies.set(c.req.raw, read);
  return read;
}

/** Core's view of the request: the raw body only once a signed-request helper read it. */
export function describeRequest(
  c: Context,
  state: GuardState,
  body: Record<string, string> | undefined,
): RequestLike {
  return toRequestLike(c.req.raw, {
    peerAddress: state.peerAddress?.(c),
    body,
    rawBody: readBodies.get(c.req.raw),
    ...(state.certificateHeader ? { certificateHeader: state.certificateHeader } : {}),
  });
}

/**
 * The request's authorization in core (verified at most once, whoever asks first), after
 * reading a form body so a body `access_token` is refused.
 */
export async function authorizationOf(
  c: Context,
  state: GuardState,
): Promise<RequestAuthorization> {
  const body = await formBodyOf(c);
  return state.resourceServer.forRequest(c.req.raw, () => describeRequest(c, state, body));
}

const rejected = new WeakSet<Request>();

/**
 * The answer to a rejection by the guard or a helper, remembered for the request so that
 * `signedResponse()` never signs it.
 */
export function rejection(c: Context, error: FapiError): Response {
  rejected.add(c.req.raw);
  return fapiErrorResponse(error);
}

export function wasRejected(c: Context): boolean {
  return rejected.has(c.req.raw);
}
