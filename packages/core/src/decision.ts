import type { FapiErrorCode } from './errors.js';

/**
 * One authorization decision, for audit logs. It never carries the token, the proof, keys or
 * certificates: only identifiers that are safe to log.
 *
 * @example
 * createResourceServer({ ...options, onDecision: (event) => audit.write(event) });
 */
export interface DecisionEvent {
  outcome: 'allow' | 'deny';
  /** The decision's status: 200 for every allow (not the handler's response), else the rejection's. */
  status: number;
  /** Stable code of the rejection (deny only). */
  code?: FapiErrorCode;
  /** RFC 6750 / 9449 `error` value (deny only, when there is one). */
  error?: string;
  /** Request method (absent for `authorize` decisions, which see no request). */
  method?: string;
  /** Request path without query string (absent for `authorize` decisions). */
  path?: string;
  clientId?: string;
  subject?: string;
  issuer?: string;
  binding?: 'dpop' | 'mtls' | 'bearer';
  interactionId: string;
  /** Time spent in `verify`, in milliseconds. */
  latencyMs: number;
}
