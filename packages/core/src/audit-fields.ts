/** The fields of a {@link DecisionEvent} that name the request, the caller and a rejection. */
import type { DecisionEvent } from './decision.js';
import type { FapiError } from './errors.js';
import { pathOf, type ReadRequest } from './request.js';
import type { Principal } from './types.js';

/** The audit fields naming the request, once it could be read. */
export function where(read: ReadRequest | undefined): Pick<DecisionEvent, 'method' | 'path'> {
  return read ? { method: read.method, path: pathOf(read.url) } : {};
}

/**
 * The event of an allowed request, field by field, in the order the spreads of {@link where}
 * and {@link who} give: on the path of every request, where spreads that add fields cost V8
 * about 1 µs.
 */
export function allowed(read: ReadRequest, principal: Principal): Omit<DecisionEvent, 'latencyMs'> {
  return {
    outcome: 'allow',
    status: 200,
    method: read.method,
    path: pathOf(read.url),
    interactionId: principal.interactionId,
    clientId: principal.clientId,
    subject: principal.subject,
    issuer: principal.issuer,
    binding: principal.binding.kind,
  };
}

/** The audit fields naming who was decided on. */
export function who(
  principal: Principal,
): Pick<DecisionEvent, 'interactionId' | 'clientId' | 'subject' | 'issuer' | 'binding'> {
  return {
    interactionId: principal.interactionId,
    clientId: principal.clientId,
    subject: principal.subject,
    issuer: principal.issuer,
    binding: principal.binding.kind,
  };
}

/** The audit fields of a rejection. */
export function denial(
  error: FapiError,
  interactionId: string,
): Pick<DecisionEvent, 'status' | 'code' | 'error' | 'interactionId'> {
  return {
    status: error.status,
    code: error.code,
    ...(error.error ? { error: error.error } : {}),
    interactionId,
  };
}
