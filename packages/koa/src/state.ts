import type { Principal, ResourceServer } from '@fapi-guard/core';
import type { ParameterizedContext } from 'koa';

/** What `fapiGuard()` leaves on a context for the requirement helpers. */
export interface GuardState {
  resourceServer: ResourceServer;
  /** Whether to use Koa's proxy-resolved protocol and host. */
  trustProxy: boolean;
  /** The principal, once the request was verified. */
  principal?: Principal;
}

const STATE = Symbol.for('@fapi-guard/koa.state');

type WithState = ParameterizedContext & { [STATE]?: GuardState };

export function guardStateOf(ctx: ParameterizedContext): GuardState | undefined {
  return (ctx as WithState)[STATE];
}

export function setGuardState(ctx: ParameterizedContext, state: GuardState): void {
  (ctx as WithState)[STATE] = state;
}
