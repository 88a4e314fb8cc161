import { createResourceServer, type ResourceServerOptions } from './index.js';

const base: ResourceServerOptions = {
  issuer: 'https://as.test',
  audience: 'https://rs.test',
  jwks: { keys: [] },
};

describe('options are validated once, naming the option', () => {
  test.each<[string, Partial<ResourceServerOptions> | Record<string, unknown>, RegExp]>([
    ['no key source', { jwks: undefined }, /exactly one of jwks, jwksUri or keys/],
    [
      'two key sources',
      { jwksUri: 'https://as.test/jwks' },
      /exactly one of jwks, jwksUri or keys/,
    ],
    [
      'http jwksUri',
      { jwks: undefined, jwksUri: 'http://as.test/jwks' },
      /jwksUri: must use https/,
    ],
    [
      'RS256 algorithm',
      { algorithms: ['RS256'] },
      /algorithms: "RS256" is not a FAPI 2.0 algorithm/,
    ],
    ['HS256 proof algorithm', { dpop: { algorithms: ['HS256'] } }, /dpop.algorithms: "HS256"/],
    ['empty audience', { audience: [] }, /audience/],
    ['unknown senderConstraint', { senderConstraint: 'maybe' }, /senderConstraint/],
    ['proof window over 300 s', { dpop: { maxAgeSeconds: 3600 } }, /dpop.maxAgeSeconds/],
    [
      'short nonce secret',
      { dpop: { nonce: { secret: 'short' } } },
      /dpop.nonce.secret: must be at least 32 bytes/,
    ],
    [
      'trusted proxies missing',
      { mtls: { header: { trustedProxies: [] } } },
      /mtls.header.trustedProxies/,
    ],
    [
      'bad trusted proxy',
      { mtls: { header: { trustedProxies: ['nope'] } } },
      /mtls.trustedProxies: "nope"/,
    ],
    ['nothing could pass', { dpop: false, mtls: false }, /no token could ever pass/],
    ['relative publicUrl', { publicUrl: '/api' }, /publicUrl/],
    ['bad jwks', { jwks: { nope: 1 } }, /jwks: must be a JWK Set/],
  ])('%s', (_name, override, message) => {
    expect(() => createResourceServer({ ...base, ...override } as ResourceServerOptions)).toThrow(
      TypeError,
    );
    expect(() => createResourceServer({ ...base, ...override } as ResourceServerOptions)).toThrow(
      message,
    );
  });
});

describe('fail closed on the unexpected', () => {
  test('a key resolver that throws a plain Error gives 401 invalid_token, not a 500, and no internals', async () => {
    const rs = createResourceServer({
      issuer: {
        issuer: 'https://as.test',
        keys: {
          generation: 0,
          getKey: async () => {
            throw new Error('secret internal detail');
          },
        },
      },
      audience: 'https://rs.test',
    });
    const header = Buffer.from(JSON.stringify({ typ: 'at+jwt', alg: 'ES256', kid: 'k' })).toString(
      'base64url',
    );
    const payload = Buffer.from(JSON.stringify({ iss: 'https://as.test' })).toString('base64url');
    const error = await rs
      .verify({
        method: 'GET',
        url: 'https://rs.test/',
        headers: { authorization: `Bearer ${header}.${payload}.c2ln` },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 401,
      code: 'ERR_FAPI_UNEXPECTED',
      error: 'invalid_token',
    });
    const { headers, message } = error as { headers: Record<string, string>; message: string };
    expect(JSON.stringify(headers) + message).not.toContain('secret internal detail');
  });
});

describe('an unknown option is a TypeError naming it, never a skipped check', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a feature this version lacks', { httpSignatures: {} }, /^httpSignatures: unknown option/],
    ['a misspelt top-level option', { publicURL: 'https://rs.test' }, /^publicURL: unknown option/],
    ['a misspelt dpop option', { dpop: { nonces: true } }, /^dpop\.nonces: unknown option/],
    [
      'a misspelt nonce option',
      { dpop: { nonce: { secret: 'x'.repeat(32), rotate: 60 } } },
      /^dpop\.nonce\.rotate: unknown option/,
    ],
    [
      'a misspelt mtls header option',
      { mtls: { header: { trustedProxy: ['10.0.0.1'] } } },
      /^mtls\.header\.trustedProxy: unknown option/,
    ],
    ['a misspelt token cache option', { tokenCache: { maxTtl: 5 } }, /^tokenCache\.maxTtl:/],
    ['a misspelt JWKS option', { jwksOptions: { timeout: 5 } }, /^jwksOptions\.timeout:/],
    [
      'a misspelt issuer option',
      {
        issuer: [{ issuer: 'https://as.test', jwks: { keys: [] }, jwks_uri: 'x' }],
        jwks: undefined,
      },
      /^issuer\[https:\/\/as\.test\]\.jwks_uri:/,
    ],
    [
      'a misspelt introspection option',
      {
        introspection: {
          endpoint: 'https://as.test/introspect',
          clientId: 'rs',
          auth: { method: 'client_secret_basic', secret: 's' },
          timeout: 5,
        },
      },
      /^introspection\.timeout:/,
    ],
  ])('%s', (_name, extra, message) => {
    expect(() => createResourceServer({ ...base, ...extra } as ResourceServerOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});
