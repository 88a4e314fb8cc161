// The signed-request rows of core-verify and core-ab: a JSON payment POST with a DPoP proof,
// signed (RFC 9421, ecdsa-p256-sha256) by the client's own key over the FAPI components.
import { dpopProof } from '../../packages/testing/dist/index.js';
import { signRequest } from '../../packages/http-signatures/dist/index.js';
import { receivedHeaders } from './as-received.mjs';

/** The payment body every signed row sends, as the bytes received. */
export const PAYMENT_BYTES = Buffer.from(JSON.stringify({ amount: '50.00', currency: 'EUR' }));

/**
 * One signed payment request for `verify`, its header values as a parser hands them over: `token` bound to `dpopKey`, signed with
 * `signingKey` (a test-kit key) under `keyId`, proof jti and signature nonce both `id`.
 */
export async function signedPayment({ url, token, dpopKey, signingKey, keyId, id, nowS }) {
  const dpop = await dpopProof({
    key: dpopKey,
    htm: 'POST',
    htu: url,
    accessToken: token,
    iat: nowS,
    jti: id,
  });
  const headers = {
    authorization: `DPoP ${token}`,
    dpop,
    'content-type': 'application/json',
    'content-length': String(PAYMENT_BYTES.length),
  };
  const request = { method: 'POST', url, headers, rawBody: PAYMENT_BYTES };
  const signature = signRequest({
    key: signingKey.privateJwk,
    keyId,
    algorithm: 'ecdsa-p256-sha256',
    request,
    nonce: id,
    now: nowS * 1000,
  });
  return { ...request, headers: receivedHeaders({ ...headers, ...signature }) };
}
