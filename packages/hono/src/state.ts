import type { RequestAuthorization, ResourceServer } from '@fapi-guard/core';
import { readFormBody, toRequestLike } from '@fapi-guard/fetch';
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

/**
 * The request's authorization in core (verified at most once, whoever asks first), after
 * reading a form body so a body `access_token` is refused.
 */
export async function authorizationOf(
  c: Context,
  state: GuardState,
): Promise<RequestAuthorization> {
  const body = await formBodyOf(c);
  return state.resourceServer.forRequest(c.req.raw, () =>
    toRequestLike(c.req.raw, {
      peerAddress: state.peerAddress?.(c),
      body,
      ...(state.certificateHeader ? { certificateHeader: state.certificateHeader } : {}),
    }),
  );
}
