/**
 * Database failures a client can do nothing about but retry later: the server is down or
 * restarting, the connection broke, a statement ran out of time, the pool or the server is full.
 * The store answers them as 503 `temporarily_unavailable`, the body fapi-guard uses for its own
 * unavailable dependencies; anything else (a bug) stays an error, a 500.
 */
import { ServiceUnavailableException } from '@nestjs/common';

/** SQLSTATE classes and codes that mean "not now" (PostgreSQL, Appendix A). */
const TRANSIENT_SQLSTATE = [
  /^08/, // connection exception
  /^53/, // insufficient resources (too many connections, disk full)
  /^57P0[1-4]$/, // admin or crash shutdown, cannot connect now, database dropped
  /^57014$/, // query canceled (statement_timeout)
  /^40001$/, // serialization failure
  /^40P01$/, // deadlock detected
  /^25P03$/, // idle_in_transaction_session_timeout
  /^3D000$/, // the database does not exist (dropped, or not created yet)
];

/** Node socket errors of a connection that cannot be made or was lost. */
const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** pg's own messages for a pool or connection that gave up (they carry no code). */
const TRANSIENT_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

/**
 * Whether `error` is a failure of the database's availability rather than of the query.
 *
 * @example
 * isTransientDatabaseError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })); // true
 * isTransientDatabaseError(Object.assign(new Error('syntax'), { code: '42601' })); // false
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isTransientDatabaseError(error: unknown): boolean {
  // Read by shape, not `instanceof`: socket errors may come from another realm (a VM context).
  if (typeof error !== 'object' || error === null) return false;
  const { code, errors, message } = error as {
    code?: unknown;
    errors?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string') {
    if (TRANSIENT_ERRNO.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.some((pattern) => pattern.test(code));
  }
  // Connecting to every address of a host name failed: an AggregateError of socket errors.
  if (Array.isArray(errors)) return errors.some(isTransientDatabaseError);
  return typeof message === 'string' && TRANSIENT_MESSAGE.test(message);
}

/**
 * The 503 the API answers when its database is unavailable (the cause kept, never shown).
 *
 * @example
 * try { ... } catch (error) { throw isTransientDatabaseError(error) ? databaseUnavailable(error) : error; }
 */
export function databaseUnavailable(cause: unknown): ServiceUnavailableException {
  return new ServiceUnavailableException(
    {
      error: 'temporarily_unavailable',
      error_description: 'The service is temporarily unavailable: try again later',
    },
    { cause },
  );
}
