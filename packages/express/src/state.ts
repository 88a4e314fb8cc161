import type { Principal, ResourceServer } from '@fapi-guard/core';
import type { Request } from 'express';

/** What `fapiGuard()` leaves on a request for the requirement helpers. */
export interface GuardState {
  resourceServer: ResourceServer;
  /** Whether to use Express's proxy-resolved protocol and host. */
  trustProxy: boolean;
  /** The principal, once the request was verified. */
  principal?: Principal;
}

const STATE = Symbol.for('@fapi-guard/express.state');

type WithState = Request & { [STATE]?: GuardState };

export function guardStateOf(req: Request): GuardState | undefined {
  return (req as WithState)[STATE];
}

export function setGuardState(req: Request, state: GuardState): void {
  (req as WithState)[STATE] = state;
}
