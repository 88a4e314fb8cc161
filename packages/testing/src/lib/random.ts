import { randomBytes } from 'node:crypto';

/** A random base64url identifier with `bytes` bytes of entropy (default 16 -> 22 chars). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Current time in whole seconds since the epoch. */
export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
