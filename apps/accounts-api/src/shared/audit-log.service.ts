import type { DecisionEvent } from '@fapi-guard/core';

/** A refusal by the data layer: the token was fine, but the object is not the caller's. */
export interface ResourceDecision {
  outcome: 'deny';
  resource: 'account' | 'payment';
  /** Identifier the caller asked for (never token material). */
  resourceId: string;
  /** `not_found`, `not_owner`, `not_consented` or `other_client` (a payment another client made). Clients only ever see a 404. */
  reason: 'not_found' | 'not_owner' | 'not_consented' | 'other_client';
  subject: string;
  clientId: string;
  interactionId?: string;
}

export type AuditWriter = (line: string) => void;

/**
 * The audit trail: one JSON line per decision. `authorization` lines come from fapi-guard's
 * `onDecision` hook (every request to a protected route, allowed or denied); `resource` lines
 * record object-level refusals (an account or payment of someone else). Neither carries the
 * access token, the DPoP proof, keys or certificates: only identifiers.
 */
export class AuditLog {
  constructor(private readonly write: AuditWriter) {}

  /** Writers for the `AUDIT_LOG` setting. */
  static writer(sink: 'stdout' | 'stderr' | 'off'): AuditWriter {
    if (sink === 'off') return () => {};
    const stream = sink === 'stdout' ? process.stdout : process.stderr;
    return (line) => {
      stream.write(`${line}\n`);
    };
  }

  authorization(event: DecisionEvent): void {
    this.#emit('authorization', { ...event });
  }

  resource(event: ResourceDecision): void {
    this.#emit('resource', { ...event });
  }

  #emit(type: string, fields: object): void {
    this.write(JSON.stringify({ time: new Date().toISOString(), audit: type, ...fields }));
  }
}
