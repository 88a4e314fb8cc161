/**
 * The HTTP message signature (RFC 9421) of the token helper's curl line: a request with a body
 * (`--data`) is signed the way the sample API requires for payments, with the demo client's
 * request-signing key as registered at this AS (dpop-client: its private_key_jwt key;
 * mtls-client: its signing key), covering `@method`, `@target-uri`, `authorization`, `dpop`
 * (DPoP binding) and the `content-digest` of exactly the `--data` bytes.
 */
import type { JsonWebKey } from 'node:crypto';
import { signRequest } from '@fapi-guard/http-signatures';
import type { DevFixtures } from './fixtures.js';

/** What is signed: the call of the curl line, with its credentials. */
export interface SignedCallOptions {
  binding: 'dpop' | 'mtls';
  method: string;
  url: string;
  authorization: string;
  /** The DPoP proof (DPoP binding only). */
  dpop?: string;
  /** The body, sent byte for byte (`curl --data-raw`). */
  data: string;
}

/**
 * `content-digest`, `signature-input` and `signature` for the call; `now` in ms.
 *
 * @example
 * signedCallHeaders(loadDevFixtures(), { binding: 'dpop', method: 'POST', url, authorization, dpop, data });
 */
export function signedCallHeaders(
  fixtures: DevFixtures,
  options: SignedCallOptions,
  now = Date.now(),
): Record<string, string> {
  const jwk = (
    options.binding === 'dpop' ? fixtures.clients.dpop.privateJwk : fixtures.clients.mtls.signingJwk
  ) as JsonWebKey & { kid?: string };
  if (typeof jwk.kid !== 'string') throw new Error('the client signing key has no kid');
  return signRequest({
    key: jwk,
    keyId: jwk.kid,
    algorithm: 'ecdsa-p256-sha256',
    request: {
      method: options.method,
      url: options.url,
      headers: {
        authorization: options.authorization,
        ...(options.dpop ? { dpop: options.dpop } : {}),
        'content-type': 'application/json',
      },
      rawBody: Buffer.from(options.data),
    },
    now,
  });
}
