import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import { createTestAuthority, type TestAuthority } from './authority.js';
import { decodeJws } from './jws.js';
import { createSigningKey } from './keys.js';

let authority: TestAuthority;

const FAPI: JWTVerifyOptions = {
  issuer: 'https://as.example.test',
  audience: 'https://rs.example.test',
  typ: 'at+jwt',
  algorithms: ['PS256', 'ES256', 'EdDSA'],
};

beforeAll(async () => {
  authority = await createTestAuthority();
});

function verifyWithJwks(token: string, options: JWTVerifyOptions = FAPI) {
  return jwtVerify(token, createLocalJWKSet(authority.jwks()), options);
}

describe('createTestAuthority', () => {
  it('starts with one ES256, PS256 and EdDSA key, with distinct kids', () => {
    expect(authority.keys.map((key) => key.alg)).toEqual(['ES256', 'PS256', 'EdDSA']);
    expect(new Set(authority.jwks().keys.map((jwk) => jwk.kid)).size).toBe(3);
    expect(authority.issuer).toBe('https://as.example.test');
    expect(authority.audience).toBe('https://rs.example.test');
  });

  it('publishes a JWKS with kid, alg, use and no private members', () => {
    for (const jwk of authority.jwks().keys) {
      expect(jwk).toMatchObject({ use: 'sig' });
      expect(typeof jwk.kid).toBe('string');
      expect(typeof jwk.alg).toBe('string');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
        expect(jwk).not.toHaveProperty(member);
      }
    }
  });

  it.each(['ES256', 'PS256', 'EdDSA'] as const)(
    'mints %s access tokens that jose verifies against the JWKS',
    async (alg) => {
      const token = await authority.mintAccessToken({ alg });
      const { payload, protectedHeader } = await verifyWithJwks(token);
      expect(protectedHeader).toEqual({ typ: 'at+jwt', alg, kid: authority.key(alg).kid });
      expect(payload).toMatchObject({
        iss: 'https://as.example.test',
        aud: 'https://rs.example.test',
        sub: 'user-1',
        client_id: 'client-1',
        scope: 'accounts',
      });
      expect(payload.exp).toBe((payload.iat ?? 0) + 300);
      expect(typeof payload.jti).toBe('string');
      expect(payload).not.toHaveProperty('cnf');
    },
  );

  it('defaults to the first algorithm and gives every token a new jti', async () => {
    const a = await authority.mintAccessToken();
    const b = await authority.mintAccessToken();
    expect(decodeProtectedHeader(a).alg).toBe('ES256');
    expect(decodeJws(a).payload['jti']).not.toBe(decodeJws(b).payload['jti']);
  });

  it('applies now, expiresIn, scope and cnf', async () => {
    const token = await authority.mintAccessToken({
      now: 1_700_000_000,
      expiresIn: 60,
      scope: 'accounts payments',
      cnf: { jkt: 'abc' },
    });
    expect(decodeJws(token).payload).toMatchObject({
      iat: 1_700_000_000,
      exp: 1_700_000_060,
      scope: 'accounts payments',
      cnf: { jkt: 'abc' },
    });
    await expect(verifyWithJwks(token)).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('merges claims and removes a claim whose override is undefined', async () => {
    const token = await authority.mintAccessToken({
      claims: { sub: 'user-2', jti: undefined, acr: 'urn:x' },
    });
    const { payload } = decodeJws(token);
    expect(payload).toMatchObject({ sub: 'user-2', acr: 'urn:x' });
    expect(payload).not.toHaveProperty('jti');
  });

  it('merges header members and removes one whose override is undefined', async () => {
    const token = await authority.mintAccessToken({ header: { typ: undefined, cty: 'x' } });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'ES256',
      kid: authority.key('ES256').kid,
      cty: 'x',
    });
    await expect(verifyWithJwks(token)).rejects.toThrow(/typ/);
  });

  it('supports an audience list and another issuer', async () => {
    const other = await createTestAuthority({
      issuer: 'https://other.example.test',
      audience: ['https://a.example.test', 'https://b.example.test'],
      algorithms: ['ES256'],
    });
    const token = await other.mintAccessToken();
    const { payload } = await jwtVerify(token, createLocalJWKSet(other.jwks()), {
      issuer: 'https://other.example.test',
      audience: 'https://b.example.test',
    });
    expect(payload.aud).toEqual(['https://a.example.test', 'https://b.example.test']);
    await expect(verifyWithJwks(token)).rejects.toThrow();
  });

  it('rotates: the new key has a new kid, is published, and signs verifiable tokens', async () => {
    const rotated = await authority.rotate('ES256');
    expect(authority.jwks().keys.map((jwk) => jwk.kid)).toContain(rotated.kid);
    const token = await authority.mintAccessToken({ alg: 'ES256' });
    expect(decodeProtectedHeader(token).kid).toBe(rotated.kid);
    await expect(verifyWithJwks(token)).resolves.toBeDefined();
  });

  it('removeKey unpublishes a key, so its tokens no longer verify', async () => {
    const key = await authority.rotate('EdDSA');
    const token = await authority.mintAccessToken({ key });
    expect(authority.removeKey(key.kid)).toBe(true);
    expect(authority.removeKey(key.kid)).toBe(false);
    expect(authority.jwks().keys.map((jwk) => jwk.kid)).not.toContain(key.kid);
    await expect(verifyWithJwks(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('signs with a key outside the JWKS when given one', async () => {
    const stranger = await createSigningKey('ES256');
    const token = await authority.mintAccessToken({ key: stranger });
    await expect(verifyWithJwks(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('throws a TypeError naming rotate() when it has no key for an alg', async () => {
    await expect(authority.mintAccessToken({ alg: 'ES384' })).rejects.toThrow(/rotate/);
  });

  it('mints RS256 tokens after rotate, valid outside the FAPI allowlist only', async () => {
    const rs = await authority.rotate('RS256');
    const token = await authority.mintAccessToken({ alg: 'RS256' });
    await expect(verifyWithJwks(token, { ...FAPI, algorithms: ['RS256'] })).resolves.toBeDefined();
    await expect(verifyWithJwks(token)).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
    authority.removeKey(rs.kid);
  });

  it('mints alg none and HS256-with-public-key tokens via header and signWith', async () => {
    const none = await authority.mintAccessToken({ header: { alg: 'none' } });
    expect(none.endsWith('.')).toBe(true);
    const ps = authority.key('PS256');
    const pem = ps.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const confused = await authority.mintAccessToken({
      alg: 'PS256',
      header: { alg: 'HS256' },
      signWith: pem,
    });
    expect(decodeProtectedHeader(confused)).toMatchObject({ alg: 'HS256', kid: ps.kid });
    const { payload } = await jwtVerify(confused, new TextEncoder().encode(pem), {
      algorithms: ['HS256'],
    });
    expect(payload.iss).toBe('https://as.example.test');
  });

  it('publishes duplicate kids when told to, and removeKey drops every key with that kid', async () => {
    const twin = await createSigningKey('PS256', { kid: authority.key('ES256').kid });
    authority.addKey(twin);
    expect(authority.jwks().keys.filter((jwk) => jwk.kid === twin.kid)).toHaveLength(2);
    authority.removeKey(twin.kid);
    expect(authority.jwks().keys.some((jwk) => jwk.kid === twin.kid)).toBe(false);
  });
});
