/**
 * Request-signing keys of the registered clients (HTTP message signatures): a signature's
 * `keyid` is looked up among the `jwks` the AS registered for the requesting client (the
 * `client_id` of its verified token) and nowhere else, so one client's key never verifies a
 * request made with another client's token.
 */
import type { JsonWebKey } from 'node:crypto';
import type { RegisteredClient } from '../config/signature-config.js';

/** The members of a private or symmetric JWK: such a key is never a client's public key. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Keys that may verify a request signature: a `kid`, signing use, public members only. */
function signingKey(jwk: JsonWebKey & { kid?: unknown }): boolean {
  return (
    typeof jwk.kid === 'string' &&
    jwk.kid !== '' &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    !SECRET_MEMBERS.some((member) => member in jwk)
  );
}

/**
 * `resolveClientKey` of `httpSignatures(...)`: the public JWK named `keyId` in the registered
 * `jwks` of `clientId`, or undefined (an unknown client, an unknown key, a key without `kid`
 * such as a certificate's, an encryption key).
 *
 * @example
 * const resolve = clientKeyResolver([{ client_id: 'dpop-client', jwks: { keys: [jwk] } }]);
 * resolve('dpop-client', jwk.kid); // jwk
 * resolve('mtls-client', jwk.kid); // undefined: not that client's key
 */
/** Client ids of the dev AS's browser-playground clients start with this. */
export const PLAYGROUND_CLIENT_PREFIX = 'playground-';

/**
 * Resolver of the dev AS's playground clients: their key is in the JWKS the AS hosts for each
 * (`<issuer>/playground/jwks/<client_id>`, the client's registered `jwks_uri`), fetched over the
 * transport that trusts the AS. Any other client id, an AS error or a malformed answer: no key
 * (the signature is refused with 401, never accepted).
 *
 * @example
 * const resolve = playgroundKeyResolver('https://127.0.0.1:4000', fetch);
 * await resolve('playground-1b2c…', kid);
 */
export function playgroundKeyResolver(
  issuer: string,
  fetch: typeof globalThis.fetch,
): (clientId: string, keyId: string) => Promise<JsonWebKey | undefined> {
  return async (clientId, keyId) => {
    if (!/^playground-[\w-]{1,64}$/.test(clientId)) return undefined;
    try {
      const url = `${issuer}/playground/jwks/${encodeURIComponent(clientId)}`;
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) return undefined;
      const jwks = (await response.json()) as RegisteredClient['jwks'];
      if (!Array.isArray(jwks?.keys)) return undefined;
      return clientKeyResolver([{ client_id: clientId, jwks }])(clientId, keyId);
    } catch {
      return undefined;
    }
  };
}

export function clientKeyResolver(
  clients: readonly RegisteredClient[],
): (clientId: string, keyId: string) => JsonWebKey | undefined {
  const directory = new Map<string, Map<string, JsonWebKey>>();
  for (const client of clients) {
    const keys = new Map<string, JsonWebKey>();
    for (const jwk of client.jwks?.keys ?? []) {
      const key = jwk as JsonWebKey & { kid?: string };
      if (signingKey(key)) keys.set(key.kid as string, Object.freeze({ ...key }));
    }
    directory.set(client.client_id, keys);
  }
  return (clientId, keyId) => directory.get(clientId)?.get(keyId);
}
