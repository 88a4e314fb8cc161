import type { HeaderBag } from './headers.js';
import { randomId } from './lib/crypto.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The `x-fapi-interaction-id` in force (RS-HDR-01): the client's value when it is one UUID,
 * otherwise a new random UUID. Adapters echo it on every response.
 */
export function interactionIdOf(headers: HeaderBag): string {
  const values = headers.get('x-fapi-interaction-id');
  const value = values?.length === 1 ? (values[0] as string).trim() : undefined;
  return value !== undefined && UUID.test(value) ? value : randomId();
}
