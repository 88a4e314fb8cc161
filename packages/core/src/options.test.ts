import {
  createResourceServer,
  FAPI_ALGORITHMS,
  isFapiAlgorithm,
  memoryReplayStore,
  remoteJwks,
  type ResourceServerOptions,
} from './index.js';

const base: ResourceServerOptions = {
  issuer: 'https://as.test',
  audience: 'https://rs.test',
  jwks: { keys: [] },
};

describe('options are validated once, naming the option', () => {
  test.each<[string, Partial<ResourceServerOptions> | Record<string, unknown>, RegExp]>([
    ['no key source', { jwks: undefined }, /exactly one of jwks, jwksUri, keys or discovery/],
    [
      'two key sources',
      { jwksUri: 'https://as.test/jwks' },
      /exactly one of jwks, jwksUri, keys or discovery/,
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
    ['a feature this version lacks', { responseSigning: {} }, /^responseSigning: unknown option/],
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

const introspection = {
  endpoint: 'https://as.test/introspect',
  clientId: 'rs',
  auth: { method: 'client_secret_basic', secret: 's' },
} as const;

describe('every option value is checked at creation, naming the option', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a negative JWKS timeout', { jwksOptions: { timeoutMs: -1 } }, /^jwksOptions\.timeoutMs:/],
    [
      'a JWKS timeout as a string',
      { jwksOptions: { timeoutMs: '5s' } },
      /^jwksOptions\.timeoutMs:/,
    ],
    [
      'an infinite JWKS cooldown',
      { jwksOptions: { cooldownMs: Infinity } },
      /^jwksOptions\.cooldownMs:/,
    ],
    ['a zero JWKS max age', { jwksOptions: { maxAgeMs: 0 } }, /^jwksOptions\.maxAgeMs:/],
    ['a NaN JWKS max stale', { jwksOptions: { maxStaleMs: NaN } }, /^jwksOptions\.maxStaleMs:/],
    [
      'a negative JWKS failure backoff',
      { jwksOptions: { failureBackoffMs: -5 } },
      /^jwksOptions\.failureBackoffMs:/,
    ],
    ['a fractional JWKS size cap', { jwksOptions: { maxBytes: 1.5 } }, /^jwksOptions\.maxBytes:/],
    ['a JWKS fetch that is not a function', { jwksOptions: { fetch: {} } }, /^jwksOptions\.fetch:/],
    [
      'a JWKS clock (the resource server clock is used)',
      { jwksOptions: { clock: () => 0 } },
      /^jwksOptions\.clock: unknown option/,
    ],
    [
      'a zero introspection timeout',
      { introspection: { ...introspection, timeoutMs: 0 } },
      /^introspection\.timeoutMs:/,
    ],
    [
      'an introspection cache TTL past an hour',
      { introspection: { ...introspection, cache: { maxTtlSeconds: 7200 } } },
      /^introspection\.cache\.maxTtlSeconds: must be a number of seconds from 0 to 3600/,
    ],
    [
      'a negative introspection cache TTL',
      { introspection: { ...introspection, cache: { maxTtlSeconds: -1 } } },
      /^introspection\.cache\.maxTtlSeconds:/,
    ],
    [
      'an introspection cache of no entries',
      { introspection: { ...introspection, cache: { max: 0 } } },
      /^introspection\.cache\.max:/,
    ],
    [
      'a misspelt introspection cache option',
      { introspection: { ...introspection, cache: { ttl: 5 } } },
      /^introspection\.cache\.ttl: unknown option/,
    ],
    [
      'a string introspection failure backoff',
      { introspection: { ...introspection, failureBackoffMs: '1s' } },
      /^introspection\.failureBackoffMs:/,
    ],
    [
      'an introspection fetch that is not a function',
      { introspection: { ...introspection, fetch: 'undici' } },
      /^introspection\.fetch:/,
    ],
    [
      'an RS256 introspection client assertion',
      {
        introspection: {
          ...introspection,
          auth: { method: 'private_key_jwt', key: { kty: 'RSA', d: 'x' }, alg: 'RS256' },
        },
      },
      /^introspection\.auth\.alg:/,
    ],
    [
      'a token cache TTL past a day',
      { tokenCache: { maxTtlSeconds: 86_401 } },
      /^tokenCache\.maxTtlSeconds:/,
    ],
    ['a token cache of no entries', { tokenCache: { max: 0 } }, /^tokenCache\.max:/],
    [
      'a certificate header name with a space',
      { mtls: { header: { name: 'client cert', trustedProxies: ['10.0.0.1'] } } },
      /^mtls\.header\.name: must be a header name/,
    ],
    [
      'jwtResponse as a string',
      { introspection: { ...introspection, jwtResponse: 'yes' } },
      /^introspection\.jwtResponse: must be a boolean/,
    ],
    [
      'a misspelt introspection auth option',
      {
        introspection: { ...introspection, auth: { method: 'client_secret_basic', secrett: 's' } },
      },
      /^introspection\.auth\.secrett: unknown option/,
    ],
    ['a numeric resourceMetadataUrl', { resourceMetadataUrl: 1 }, /^resourceMetadataUrl:/],
    ['a numeric realm', { realm: 5 }, /^realm: must be a string/],
    ['a clock that is not a function', { clock: 5 }, /^clock: must be a function/],
    ['a replay store without checkAndStore', { dpop: { replayStore: {} } }, /^dpop\.replayStore:/],
    [
      'a nonce source without check',
      { dpop: { nonce: { current: () => 'n' } } },
      /^dpop\.nonce: a NonceSource must implement/,
    ],
    [
      'a zero nonce rotation',
      { dpop: { nonce: { secret: 'x'.repeat(32), rotateSeconds: 0 } } },
      /^dpop\.nonce\.rotateSeconds:/,
    ],
    [
      'a key resolver without getKey',
      { issuer: { issuer: 'https://as.test', keys: {} }, jwks: undefined },
      /\.keys: must be a KeyResolver/,
    ],
  ])('%s', (_name, extra, message) => {
    expect(() => createResourceServer({ ...base, ...extra } as ResourceServerOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });

  test('remoteJwks checks its options itself, naming remoteJwks', () => {
    expect(() => remoteJwks('https://as.test/jwks', { timeoutMs: -1 })).toThrow(
      /^remoteJwks\.timeoutMs:/,
    );
    expect(() => remoteJwks('https://as.test/jwks', { maxAge: 5 } as never)).toThrow(
      /^remoteJwks\.maxAge: unknown option/,
    );
  });

  test('Ed25519 (the fully-specified EdDSA name) is a FAPI algorithm; RS256 is not', () => {
    expect(() => createResourceServer({ ...base, algorithms: ['Ed25519', 'ES256'] })).not.toThrow();
    expect(isFapiAlgorithm('Ed25519')).toBe(true);
    expect(isFapiAlgorithm('RS256')).toBe(false);
    expect(FAPI_ALGORITHMS).toEqual(['PS256', 'ES256', 'EdDSA']);
  });

  test('the largest values in range are accepted', () => {
    expect(() =>
      createResourceServer({
        ...base,
        jwksOptions: { timeoutMs: 60_000, maxStaleMs: 7 * 86_400_000, maxBytes: 16 * 1024 * 1024 },
        tokenCache: { maxTtlSeconds: 86_400 },
        introspection: { ...introspection, cache: { maxTtlSeconds: 3600 } },
      }),
    ).not.toThrow();
  });
});

describe('memoryReplayStore checks its options', () => {
  test.each<[string, unknown, RegExp]>([
    ['a zero max', { max: 0 }, /^memoryReplayStore\.max:/],
    ['a fractional max', { max: 2.5 }, /^memoryReplayStore\.max:/],
    ['a misspelt option', { maxSize: 10 }, /^memoryReplayStore\.maxSize: unknown option/],
    ['a clock that is not a function', { clock: 1 }, /^memoryReplayStore\.clock:/],
  ])('refuses %s', (_name, options, message) => {
    expect(() => memoryReplayStore(options as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});

describe('top-level key options serve string issuers only', () => {
  const objectIssuer = { issuer: 'https://as.test', jwks: { keys: [] } };

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['jwks', { jwks: { keys: [] } }, /^jwks: applies to string issuers only/],
    ['jwksUri', { jwksUri: 'https://as.test/jwks' }, /^jwksUri: applies to string issuers only/],
    ['discovery', { discovery: true }, /^discovery: applies to string issuers only/],
  ])(
    'a top-level %s beside object issuers alone is a TypeError, not ignored',
    (_, extra, error) => {
      expect(() =>
        createResourceServer({ issuer: [objectIssuer], audience: 'https://rs.test', ...extra }),
      ).toThrow(error);
    },
  );

  test('with a string issuer among them, or discovery: false, it is accepted', async () => {
    const mixed = createResourceServer({
      issuer: [objectIssuer, 'https://other.test'],
      audience: 'https://rs.test',
      jwks: { keys: [] },
    });
    const off = createResourceServer({
      issuer: objectIssuer,
      audience: 'https://rs.test',
      discovery: false,
    });
    await Promise.all([mixed.close(), off.close()]);
  });
});
