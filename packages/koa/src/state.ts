import type { RequestAuthorization, ResourceServer } from '@fapi-guard/core';
import type { ParameterizedContext } from 'koa';
import { toRequestLike } from './request.js';

/** What `fapiGuard()` leaves on a context for the route helpers. */
export interface GuardState {
  resourceServer: ResourceServer;
  /** Whether to use Koa's proxy-resolved protocol and host. */
  trustProxy: boolean;
  /** Throw rejections for upstream middleware instead of answering them. */
  forwardErrors: boolean;
}

const STATE = Symbol.for('@fapi-guard/koa.state');

type WithState = ParameterizedContext & { [STATE]?: GuardState };

export function guardStateOf(ctx: ParameterizedContext): GuardState | undefined {
  return (ctx as WithState)[STATE];
}

export function setGuardState(ctx: ParameterizedContext, state: GuardState): void {
  (ctx as WithState)[STATE] = state;
}

/**
 * The request's authorization in core, keyed by the Node request (shared by a Koa app mounted
 * in another): verified at most once, whoever asks first.
 */
export function authorizationOf(
  ctx: ParameterizedContext,
  state: GuardState,
): RequestAuthorization {
  return state.resourceServer.forRequest(ctx.req, () => toRequestLike(ctx, state.trustProxy));
}
