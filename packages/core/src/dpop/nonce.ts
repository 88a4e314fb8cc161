import { hmacSha256Base64url, safeEqual } from '../lib/crypto.js';

/**
 * How a presented nonce relates to the nonce source (RFC 9449 §8, §9).
 *
 * @example
 * if (nonces.check(nonce, Date.now()) === 'invalid') refuse();
 */
export type NonceState = 'current' | 'valid' | 'invalid';

/**
 * Issues and checks server-provided DPoP nonces. Implementations must make nonces
 * unpredictable and limited to `1*NQCHAR` (RFC 9449 §8.1).
 *
 * @example
 * createResourceServer({ ...options, dpop: { nonce: hmacNonces({ secret }) } });
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export interface NonceSource {
  /** The nonce to hand out now (in `DPoP-Nonce`). */
  current(nowMs: number): string;
  /** `current` (latest), `valid` (still accepted, but a newer one exists), or `invalid`. */
  check(nonce: string, nowMs: number): NonceState;
}

/**
 * Options of {@link hmacNonces}.
 *
 * @example
 * hmacNonces({ secret, rotateSeconds: 120 });
 */
export interface HmacNonceOptions {
  /** At least 32 bytes, shared by every instance of a cluster. */
  secret: Uint8Array;
  /** A nonce changes every this many seconds and stays valid for about twice as long. Default 300. */
  rotateSeconds?: number;
}

const MAC_LENGTH = 32;
const NONCE = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{32})$/;

/**
 * Stateless nonces: `<time step>.<HMAC-SHA256(secret, time step)>`. Any instance holding the
 * secret can check a nonce issued by another, so a cluster needs no shared state (RFC 9449
 * §9 server-provided nonces). Steps adjacent to the current one are accepted, which
 * absorbs rotation and small clock differences between instances.
 *
 * @example
 * const nonces = hmacNonces({ secret: new TextEncoder().encode(process.env.NONCE_SECRET) });
 */
export function hmacNonces(options: HmacNonceOptions): NonceSource {
  const { secret } = options;
  const stepMs = (options.rotateSeconds ?? 300) * 1000;
  const mac = (step: number) =>
    hmacSha256Base64url(secret, `fapi-guard dpop nonce ${step}`).slice(0, MAC_LENGTH);
  const format = (step: number) => `${step.toString(36)}.${mac(step)}`;
  return {
    current: (nowMs) => format(Math.floor(nowMs / stepMs)),
    check(nonce, nowMs) {
      const match = NONCE.exec(nonce);
      if (!match) return 'invalid';
      const step = parseInt(match[1] as string, 36);
      const now = Math.floor(nowMs / stepMs);
      if (Math.abs(step - now) > 1 || !safeEqual(match[2] as string, mac(step))) return 'invalid';
      return step >= now ? 'current' : 'valid';
    },
  };
}
