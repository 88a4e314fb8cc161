import { createHash, createHmac } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, EmbeddedJWK, errors, jwtVerify } from 'jose';
import type { Alg } from './algorithms.js';
import { base64url } from './base64url.js';
import { computeAth, createDpopKey, dpopProof, jwkThumbprint, type DpopKey } from './dpop.js';
import { decodeJws, tamperSignature } from './jws.js';

const HTU = 'https://rs.example.test/accounts';
const keys = new Map<Alg, DpopKey>();

beforeAll(async () => {
  const made = await Promise.all(
    (['ES256', 'PS256', 'EdDSA', 'RS256'] as const).map((alg) => createDpopKey(alg)),
  );
  made.forEach((key) => keys.set(key.alg, key));
});

function keyFor(alg: Alg): DpopKey {
  const key = keys.get(alg);
  if (key === undefined) throw new Error(`no key for ${alg}`);
  return key;
}

const verifyProof = (proof: string, algorithms = ['ES256', 'PS256', 'EdDSA']) =>
  jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms });

describe('createDpopKey', () => {
  it.each(['ES256', 'PS256', 'EdDSA'] as const)(
    'gives a %s key whose jkt equals jose.calculateJwkThumbprint',
    async (alg) => {
      const key = keyFor(alg);
      expect(key.jkt).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      expect(key.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key.kid).toBe(key.jkt);
    },
  );

  it('exposes a bare public jwk (no kid, alg, use) and a private jwk', () => {
    const key = keyFor('ES256');
    expect(Object.keys(key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(Object.keys(key.privateJwk).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y']);
    expect(Object.keys(keyFor('PS256').publicJwk).sort()).toEqual(['e', 'kty', 'n']);
  });

  it('computes the RFC 7638 §3.1 example thumbprint', async () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    await expect(
      jwkThumbprint({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' }),
    ).resolves.toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});

describe('dpopProof', () => {
  it.each(['ES256', 'PS256', 'EdDSA'] as const)(
    'makes %s proofs that jose verifies with the embedded jwk',
    async (alg) => {
      const key = keyFor(alg);
      const proof = await dpopProof({ key, htm: 'GET', htu: HTU });
      const { payload, protectedHeader } = await verifyProof(proof);
      expect(protectedHeader).toEqual({ typ: 'dpop+jwt', alg, jwk: key.publicJwk });
      expect(payload).toMatchObject({ htm: 'GET', htu: HTU });
      expect(typeof payload.jti).toBe('string');
      expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5);
      expect(payload).not.toHaveProperty('ath');
      expect(payload).not.toHaveProperty('nonce');
    },
  );

  it('sets ath = base64url(sha256(access token)), nonce, iat and jti when asked', async () => {
    const accessToken = 'eyJ0eXAiOiJhdCtqd3QifQ.e30.c2ln';
    const proof = await dpopProof({
      key: keyFor('ES256'),
      htm: 'POST',
      htu: HTU,
      accessToken,
      nonce: 'n-1',
      iat: 1_700_000_000,
      jti: 'jti-1',
    });
    const { payload } = decodeJws(proof);
    const expected = createHash('sha256').update(accessToken).digest('base64url');
    expect(payload).toEqual({
      jti: 'jti-1',
      htm: 'POST',
      htu: HTU,
      iat: 1_700_000_000,
      ath: expected,
      nonce: 'n-1',
    });
  });

  it('matches the RFC 9449 §7.1 ath example', () => {
    expect(computeAth('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe(
      'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
    );
  });

  it('removes header members and claims whose override is undefined (N29, N33, N35)', async () => {
    const proof = await dpopProof({
      key: keyFor('ES256'),
      htm: 'GET',
      htu: HTU,
      header: { typ: undefined, jwk: undefined },
      claims: { jti: undefined, iat: undefined, extra: true },
    });
    const { header, payload } = decodeJws(proof);
    expect(header).toEqual({ alg: 'ES256' });
    expect(payload).toEqual({ htm: 'GET', htu: HTU, extra: true });
  });

  it('signs even when alg is removed from the header (N30)', async () => {
    const key = keyFor('EdDSA');
    const proof = await dpopProof({ key, htm: 'GET', htu: HTU, header: { alg: undefined } });
    expect(decodeJws(proof).header).toEqual({ typ: 'dpop+jwt', jwk: key.publicJwk });
    await expect(compactVerify(proof, key.publicKey)).rejects.toThrow(/alg/);
    expect(decodeJws(proof).signature).toHaveLength(64);
  });

  it('makes alg none proofs with an empty signature (N30)', async () => {
    const proof = await dpopProof({
      key: keyFor('ES256'),
      htm: 'GET',
      htu: HTU,
      header: { alg: 'none' },
    });
    expect(proof.endsWith('.')).toBe(true);
    expect(decodeJws(proof).header['alg']).toBe('none');
  });

  it('makes HS256 proofs with a kty oct jwk (N31)', async () => {
    const secret = new TextEncoder().encode('a-shared-secret-of-32-bytes-long');
    const proof = await dpopProof({
      key: keyFor('ES256'),
      htm: 'GET',
      htu: HTU,
      header: { alg: 'HS256', jwk: { kty: 'oct', k: base64url.encode(secret) } },
      signWith: secret,
    });
    const { signingInput, signature, header } = decodeJws(proof);
    expect(header['jwk']).toEqual({ kty: 'oct', k: base64url.encode(secret) });
    expect(Buffer.from(signature)).toEqual(
      createHmac('sha256', secret).update(signingInput).digest(),
    );
  });

  it('makes RS256 proofs (N32) that verify outside the FAPI allowlist only', async () => {
    const proof = await dpopProof({ key: keyFor('RS256'), htm: 'GET', htu: HTU });
    await expect(verifyProof(proof, ['RS256'])).resolves.toBeDefined();
    await expect(verifyProof(proof)).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
  });

  it('puts the private jwk in the header when asked, which jose refuses (N33)', async () => {
    const key = keyFor('ES256');
    const proof = await dpopProof({ key, htm: 'GET', htu: HTU, header: { jwk: key.privateJwk } });
    expect(decodeJws(proof).header['jwk']).toHaveProperty('d');
    await expect(verifyProof(proof)).rejects.toThrow(/public key/);
  });

  it('signs with another key than the header jwk (N34, N45)', async () => {
    const other = await createDpopKey('ES256');
    const key = keyFor('ES256');
    const proof = await dpopProof({ key, htm: 'GET', htu: HTU, signWith: other });
    expect(decodeJws(proof).header['jwk']).toEqual(key.publicJwk);
    await expect(verifyProof(proof)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(compactVerify(proof, other.publicKey)).resolves.toBeDefined();
  });

  it('produces a proof jose rejects after tamperSignature (N34)', async () => {
    const proof = await dpopProof({ key: keyFor('PS256'), htm: 'GET', htu: HTU });
    await expect(verifyProof(tamperSignature(proof))).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it('keeps htm and htu verbatim, query and fragment included', async () => {
    const proof = await dpopProof({
      key: keyFor('ES256'),
      htm: 'get',
      htu: 'HTTPS://RS.example.test:443/a?x=1#f',
    });
    expect(decodeJws(proof).payload).toMatchObject({
      htm: 'get',
      htu: 'HTTPS://RS.example.test:443/a?x=1#f',
    });
  });
});
