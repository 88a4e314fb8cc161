// The floor's whole check of a DPoP request: the `Authorization` header must be the one token the
// bench sends (what a verified-token cache hit costs: one string comparison), and the `DPoP`
// header must be a compact JWS whose ES256 signature verifies with the client's public key,
// imported once at start-up. Nothing else: no claim is read, no replay or time check is made.
// It is the least a server can do and still know the request was signed by the key holder.
import { createPublicKey, verify } from 'node:crypto';

const key = createPublicKey({ key: JSON.parse(process.env.DPOP_JWK), format: 'jwk' });
const expectedAuthorization = `DPoP ${process.env.TOKEN}`;

/** The JSON body every benchmark route answers with. */
export const body = () => ({ subject: process.env.SUBJECT });

/** The body of the floor's 401. */
export const rejection = { error: 'invalid_dpop_proof' };

/** Whether the request carries the bench token and a proof signed by the bench DPoP key. */
export function floorAccepts(authorization, proof) {
  if (authorization !== expectedAuthorization || typeof proof !== 'string') return false;
  const parts = proof.split('.');
  if (parts.length !== 3) return false;
  return verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(parts[2], 'base64url'),
  );
}
