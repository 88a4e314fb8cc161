import type { RequestAuthorization, ResourceServer } from '@fapi-guard/core';
import type { Request } from 'express';
import { toRequestLike } from './request.js';

/** What `fapiGuard()` leaves on a request for the route helpers. */
export interface GuardState {
  resourceServer: ResourceServer;
  /** Whether to use Express's proxy-resolved protocol and host. */
  trustProxy: boolean;
  /** Pass rejections to `next(error)` instead of answering them. */
  forwardErrors: boolean;
}

const STATE = Symbol.for('@fapi-guard/express.state');

type WithState = Request & { [STATE]?: GuardState };

export function guardStateOf(req: Request): GuardState | undefined {
  return (req as WithState)[STATE];
}

export function setGuardState(req: Request, state: GuardState): void {
  (req as WithState)[STATE] = state;
}

/** The request's authorization in core: verified at most once, whoever asks first. */
export function authorizationOf(req: Request, state: GuardState): RequestAuthorization {
  return state.resourceServer.forRequest(req, () => toRequestLike(req, state.trustProxy));
}
