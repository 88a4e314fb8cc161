import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** Coordinate byte length per EC curve (JWK `crv` name). */
const COORDINATE_BYTES: Readonly<Record<string, number>> = {
  'P-192': 24,
  'P-224': 28,
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  secp256k1: 32,
};

/** node:crypto curve names for the JWK `crv` names the kit accepts. */
export const NODE_CURVE: Readonly<Record<string, string>> = {
  'P-192': 'prime192v1',
  'P-224': 'secp224r1',
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
  secp256k1: 'secp256k1',
};

/**
 * Builds an EC JWK by hand, for curves node refuses to export as JWK (P-192, P-224):
 * `x`/`y` from the SPKI's uncompressed point, `d` from the SEC1 ECPrivateKey.
 */
export function ecJwkByHand(crv: string, publicKey: KeyObject, privateKey?: KeyObject): JWK {
  const size = COORDINATE_BYTES[crv];
  if (size === undefined) throw new TypeError(`unsupported EC curve "${crv}"`);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const point = spki.subarray(spki.length - (2 * size + 1));
  if (point[0] !== 0x04) throw new TypeError('expected an uncompressed EC point in the SPKI');
  const jwk: JWK = {
    kty: 'EC',
    crv,
    x: point.subarray(1, 1 + size).toString('base64url'),
    y: point.subarray(1 + size).toString('base64url'),
  };
  if (privateKey !== undefined) jwk.d = sec1PrivateScalar(privateKey, size).toString('base64url');
  return jwk;
}

/** Reads `privateKey` from `ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING, ... }`. */
function sec1PrivateScalar(privateKey: KeyObject, size: number): Buffer {
  const der = privateKey.export({ format: 'der', type: 'sec1' });
  let offset = 0;
  const readHeader = (expectedTag: number): number => {
    if (der[offset] !== expectedTag) throw new TypeError('unexpected SEC1 structure');
    offset += 1;
    const first = der[offset] ?? 0;
    offset += 1;
    if (first < 0x80) return first;
    let length = 0;
    for (let i = 0; i < (first & 0x7f); i += 1) length = (length << 8) | (der[offset++] ?? 0);
    return length;
  };
  readHeader(0x30);
  const versionLength = readHeader(0x02);
  offset += versionLength; // skip the version (`offset += readHeader()` would read offset first)
  const length = readHeader(0x04);
  const scalar = der.subarray(offset, offset + length);
  return scalar.length >= size
    ? scalar
    : Buffer.concat([Buffer.alloc(size - scalar.length), scalar]);
}
