import { constants, createECDH, createHmac, verify } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import type { Alg } from './algorithms.js';
import { base64url } from './base64url.js';
import {
  createSignature,
  decodeJws,
  signJwt,
  stripSignature,
  tamperSignature,
  truncateSignature,
  unsignedJwt,
} from './jws.js';
import { barePublicJwk, createSigningKey, type SigningKey } from './keys.js';

const keys = new Map<Alg, SigningKey>();

beforeAll(async () => {
  const algs: Alg[] = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA', 'Ed448'];
  const made = await Promise.all(algs.map((alg) => createSigningKey(alg)));
  made.forEach((key) => keys.set(key.alg, key));
});

function keyFor(alg: Alg): SigningKey {
  const key = keys.get(alg);
  if (key === undefined) throw new Error(`no key for ${alg}`);
  return key;
}

describe('createSigningKey', () => {
  it.each(['ES256', 'PS256', 'EdDSA'] as const)(
    'makes a %s key with a public JWK carrying kid, alg, use',
    (alg) => {
      const key = keyFor(alg);
      expect(key.publicJwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(key.publicJwk).not.toHaveProperty(member);
      expect(key.privateJwk).toHaveProperty('d');
      expect(key.privateKey.type).toBe('private');
      expect(key.publicKey.type).toBe('public');
    },
  );

  it('gives distinct kids and honours an explicit kid', async () => {
    const a = await createSigningKey('ES256');
    const b = await createSigningKey('ES256', { kid: 'fixed' });
    expect(a.kid).not.toBe(keyFor('ES256').kid);
    expect(b.kid).toBe('fixed');
    expect(b.publicJwk.kid).toBe('fixed');
  });

  it('makes RSA-1024 keys that node signs with and jose refuses', async () => {
    const weak = await createSigningKey('PS256', { modulusLength: 1024 });
    expect(weak.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    const jws = signJwt({ alg: 'PS256' }, { sub: 'x' }, weak.privateKey);
    const { signingInput, signature } = decodeJws(jws);
    const ok = verify(
      'sha256',
      Buffer.from(signingInput),
      {
        key: weak.publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      },
      signature,
    );
    expect(ok).toBe(true);
    await expect(compactVerify(jws, await importJWK(weak.publicJwk, 'PS256'))).rejects.toThrow(
      /2048/,
    );
  });

  it.each(['P-192', 'P-224'])(
    'makes %s keys (JWK built by hand) whose ES256 signatures verify',
    async (crv) => {
      const small = await createSigningKey('ES256', { crv });
      expect(small.publicJwk).toMatchObject({ kty: 'EC', crv });
      const size = crv === 'P-192' ? 24 : 28;
      expect(base64url.decode(small.publicJwk.x ?? '')).toHaveLength(size);
      expect(base64url.decode(small.privateJwk.d ?? '')).toHaveLength(size);
      const ecdh = createECDH(crv === 'P-192' ? 'prime192v1' : 'secp224r1');
      ecdh.setPrivateKey(base64url.decode(small.privateJwk.d ?? ''));
      const point = Buffer.concat([
        Buffer.from([4]),
        base64url.decode(small.publicJwk.x ?? ''),
        base64url.decode(small.publicJwk.y ?? ''),
      ]);
      expect(ecdh.getPublicKey()).toEqual(point);
      const jws = signJwt({ alg: 'ES256' }, { sub: 'x' }, small);
      const { signingInput, signature } = decodeJws(jws);
      expect(signature).toHaveLength(2 * size);
      expect(
        verify(
          'sha256',
          Buffer.from(signingInput),
          { key: small.publicKey, dsaEncoding: 'ieee-p1363' },
          signature,
        ),
      ).toBe(true);
    },
  );

  it('strips kid, alg, use and private members in barePublicJwk', () => {
    const jwk = barePublicJwk(keyFor('ES256').privateJwk);
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });
});

describe('signJwt', () => {
  it.each(['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] as const)(
    'makes %s signatures that jose verifies',
    async (alg) => {
      const key = keyFor(alg);
      const jws = signJwt({ alg, kid: key.kid }, { sub: 'user-1', n: 1 }, key.privateKey);
      const publicKey = await importJWK(key.publicJwk, alg);
      const { payload, protectedHeader } = await compactVerify(jws, publicKey);
      expect(protectedHeader).toEqual({ alg, kid: key.kid });
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'user-1', n: 1 });
    },
  );

  it('makes Ed448 signatures (jose 6 dropped Ed448) that node:crypto verifies', () => {
    const key = keyFor('Ed448');
    const { signingInput, signature } = decodeJws(signJwt({ alg: 'Ed448' }, { a: 1 }, key));
    expect(signature).toHaveLength(114);
    expect(verify(null, Buffer.from(signingInput), key.publicKey, signature)).toBe(true);
  });

  it('encodes ES256 signatures as IEEE P1363 (64 bytes), not DER', () => {
    const jws = signJwt({ alg: 'ES256' }, {}, keyFor('ES256'));
    expect(decodeJws(jws).signature).toHaveLength(64);
  });

  it('accepts PEM and PKCS#8 DER private keys', async () => {
    const key = keyFor('ES256');
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const der = new Uint8Array(key.privateKey.export({ type: 'pkcs8', format: 'der' }));
    const publicKey = await importJWK(key.publicJwk, 'ES256');
    await expect(
      compactVerify(signJwt({ alg: 'ES256' }, {}, pem), publicKey),
    ).resolves.toBeDefined();
    await expect(
      compactVerify(signJwt({ alg: 'ES256' }, {}, der), publicKey),
    ).resolves.toBeDefined();
  });

  it('makes HS256 keyed with a public key PEM (key confusion), verifiable as HMAC', async () => {
    const key = keyFor('PS256');
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const jws = signJwt({ alg: 'HS256', kid: key.kid }, { sub: 'admin' }, pem);
    await expect(compactVerify(jws, new TextEncoder().encode(pem))).resolves.toBeDefined();
    // an asymmetric KeyObject or SigningKey as HMAC material means "its SPKI PEM"
    expect(signJwt({ alg: 'HS256', kid: key.kid }, { sub: 'admin' }, key.publicKey)).toBe(jws);
    expect(signJwt({ alg: 'HS256', kid: key.kid }, { sub: 'admin' }, key)).toBe(jws);
  });

  it('signs with options.alg when the header has none', () => {
    const key = keyFor('EdDSA');
    const jws = signJwt({ typ: 'JWT' }, { a: 1 }, key, { alg: 'EdDSA' });
    const { signingInput, signature, header } = decodeJws(jws);
    expect(header).toEqual({ typ: 'JWT' });
    expect(verify(null, Buffer.from(signingInput), key.publicKey, signature)).toBe(true);
  });

  it('throws TypeError without an alg, for unknown algs and for public keys', () => {
    expect(() => signJwt({}, {}, keyFor('ES256'))).toThrow(TypeError);
    expect(() => signJwt({ alg: 'XS256' }, {}, keyFor('ES256'))).toThrow(TypeError);
    expect(() => signJwt({ alg: 'ES256' }, {}, keyFor('ES256').publicKey)).toThrow(TypeError);
  });

  it('exposes createSignature for non-JSON segments', () => {
    const key = keyFor('ES256');
    const input = `${base64url.encode('not json')}.${base64url.encode('{')}`;
    const signature = createSignature('ES256', input, key);
    expect(
      verify(
        'sha256',
        Buffer.from(input),
        { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(true);
  });
});

describe('unsigned and damaged JWS', () => {
  it('makes alg none tokens with an empty signature segment', () => {
    const jws = unsignedJwt({ typ: 'at+jwt' }, { sub: 'x' });
    expect(jws.endsWith('.')).toBe(true);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'none', typ: 'at+jwt' });
    expect(decodeProtectedHeader(unsignedJwt({ alg: 'NONE' }, {}))).toEqual({ alg: 'NONE' });
  });

  it('flips exactly one bit of the signature, so jose rejects it', async () => {
    const key = keyFor('ES256');
    const jws = signJwt({ alg: 'ES256' }, { sub: 'x' }, key);
    const tampered = tamperSignature(jws);
    const before = decodeJws(jws).signature;
    const after = decodeJws(tampered).signature;
    const differingBits = before.reduce((bits, byte, i) => {
      let x = byte ^ (after[i] ?? 0);
      while (x) {
        bits += x & 1;
        x >>= 1;
      }
      return bits;
    }, 0);
    expect(differingBits).toBe(1);
    expect(tampered.split('.').slice(0, 2)).toEqual(jws.split('.').slice(0, 2));
    await expect(compactVerify(tampered, await importJWK(key.publicJwk, 'ES256'))).rejects.toThrow(
      /signature verification failed/,
    );
  });

  it('truncates and strips signatures', () => {
    const jws = signJwt({ alg: 'ES256' }, {}, keyFor('ES256'));
    expect(decodeJws(truncateSignature(jws)).signature).toHaveLength(63);
    expect(stripSignature(jws)).toBe(`${jws.split('.').slice(0, 2).join('.')}.`);
    expect(() => tamperSignature(stripSignature(jws))).toThrow(TypeError);
  });

  it('base64url round-trips and has no padding', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0x00]);
    expect(base64url.encode(bytes)).toBe('-_8A');
    expect(base64url.decode('-_8A')).toEqual(bytes);
    expect(base64url.encode('a')).toBe('YQ');
    expect(base64url.decodeToString(base64url.encodeJson({ a: 1 }))).toBe('{"a":1}');
  });

  it('HMAC output equals a node:crypto HMAC over the signing input', () => {
    const jws = signJwt({ alg: 'HS512' }, { a: 1 }, 'secret');
    const { signingInput, signature } = decodeJws(jws);
    expect(Buffer.from(signature)).toEqual(
      createHmac('sha512', 'secret').update(signingInput).digest(),
    );
  });
});
