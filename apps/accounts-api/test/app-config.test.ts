import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEV_INTROSPECTION_CLIENT,
  DEV_TLS_FILES,
  loadConfig,
  resolveConfig,
} from '../src/config/app-config.js';

describe('configuration from the environment', () => {
  it('has safe defaults: 127.0.0.1:3000, the dev AS, payments by DPoP or mTLS', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      issuer: 'https://127.0.0.1:4000',
      jwksUri: undefined,
      paymentsBinding: 'any',
      dpopNonce: false,
      dpopNonceSecret: undefined,
      redis: undefined,
      introspection: undefined,
      audit: 'stdout',
      logLevels: ['error', 'warn'],
      metricsPort: undefined,
    });
    expect(config.tls.cert).toContain('BEGIN CERTIFICATE');
    expect(resolveConfig(config, 3000)).toMatchObject({
      publicUrl: 'https://127.0.0.1:3000',
      audience: 'https://127.0.0.1:3000',
    });
  });

  it('takes the real port when PORT=0 and keeps an explicit PUBLIC_URL', () => {
    expect(resolveConfig(loadConfig({ PORT: '0' }), 41234).publicUrl).toBe(
      'https://127.0.0.1:41234',
    );
    const config = loadConfig({ PUBLIC_URL: 'https://api.bank.example/', PORT: '0' });
    expect(resolveConfig(config, 41234)).toMatchObject({
      publicUrl: 'https://api.bank.example',
      audience: 'https://api.bank.example',
    });
  });

  it.each([
    ['PORT', '70000'],
    ['PAYMENTS_BINDING', 'bearer'],
    ['AS_ISSUER', 'http://127.0.0.1:4000'],
    ['PUBLIC_URL', 'https://api.example/v1'],
    ['DPOP_NONCE', 'yes'],
    ['RATE_LIMIT', '0'],
    ['TLS_CERT_FILE', '/nonexistent.pem'],
  ])('names %s when its value is invalid', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it('points at the dev TLS material of apps/auth-server', () => {
    expect(DEV_TLS_FILES.ca).toMatch(/apps\/auth-server\/dev-fixtures\/tls\/ca\.crt\.pem$/);
  });

  it('keeps the data in embedded PGlite in memory unless DATABASE_URL is set', () => {
    expect(loadConfig({}).database).toEqual({ driver: 'pglite', dataDir: undefined });
    expect(loadConfig({ PGLITE_DATA_DIR: '/var/lib/accounts-api' }).database).toEqual({
      driver: 'pglite',
      dataDir: '/var/lib/accounts-api',
    });
    expect(
      loadConfig({ DATABASE_URL: 'postgres://app:pw@db.internal:5432/bank' }).database,
    ).toEqual({ driver: 'postgres', url: 'postgres://app:pw@db.internal:5432/bank' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/bank' }).database).toMatchObject({
      driver: 'postgres',
    });
  });

  it('shares the DPoP replay store through Redis with REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'fapi:dpop:',
      timeoutMs: 200,
    });
    expect(
      loadConfig({
        REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
        REDIS_KEY_PREFIX: 'bank:api:dpop:',
        REDIS_TIMEOUT_MS: '50',
      }).redis,
    ).toEqual({
      url: 'rediss://:pw@redis.internal:6380/2',
      keyPrefix: 'bank:api:dpop:',
      timeoutMs: 50,
    });
  });

  it('takes a shared DPoP nonce secret with DPOP_NONCE=1', () => {
    const secret = 'x'.repeat(32);
    expect(loadConfig({ DPOP_NONCE: '1', DPOP_NONCE_SECRET: secret })).toMatchObject({
      dpopNonce: true,
      dpopNonceSecret: secret,
    });
    expect(loadConfig({ DPOP_NONCE: '1' }).dpopNonceSecret).toBeUndefined();
  });

  it('AS_JWKS_URI overrides discovery; METRICS_PORT turns the metrics exporter on', () => {
    expect(loadConfig({ AS_JWKS_URI: 'https://as.bank.example/keys' }).jwksUri).toBe(
      'https://as.bank.example/keys',
    );
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ METRICS_PORT: '0' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_PORT: 'on' })).toThrow(/METRICS_PORT/);
  });

  it('introspects opaque tokens as rs-client with its dev key when INTROSPECTION=1', () => {
    const { introspection } = loadConfig({
      AS_ISSUER: 'https://as.bank.example',
      INTROSPECTION: '1',
    });
    expect(introspection).toMatchObject({
      endpoint: undefined,
      clientId: 'rs-client',
      alg: 'PS256',
      jwtResponse: false,
      cacheSeconds: 60,
    });
    expect(introspection?.key).toMatchObject({ kty: 'RSA', d: expect.any(String) });
    expect(
      loadConfig({
        INTROSPECTION: '1',
        INTROSPECTION_JWT: '1',
        INTROSPECTION_CACHE_SECONDS: '0',
        AS_INTROSPECTION_URI: 'https://as.bank.example/introspect',
        INTROSPECTION_CLIENT_ID: 'accounts-api',
        INTROSPECTION_KEY_FILE: DEV_INTROSPECTION_CLIENT.keyFile,
      }).introspection,
    ).toMatchObject({
      endpoint: 'https://as.bank.example/introspect',
      clientId: 'accounts-api',
      jwtResponse: true,
      cacheSeconds: 0,
    });
  });

  const publicKeyFile = join(tmpdir(), `accounts-api-public-${process.pid}.jwk.json`);
  beforeAll(() =>
    writeFileSync(publicKeyFile, JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })),
  );
  afterAll(() => rmSync(publicKeyFile, { force: true }));

  it.each<[string, string, Record<string, string>]>([
    ['REDIS_URL', 'not redis:', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['REDIS_URL', 'not a URL', { REDIS_URL: '127.0.0.1:6379' }],
    ['REDIS_KEY_PREFIX', 'without REDIS_URL', { REDIS_KEY_PREFIX: 'fapi:' }],
    ['REDIS_KEY_PREFIX', 'a space', { REDIS_URL: 'redis://127.0.0.1', REDIS_KEY_PREFIX: 'a b' }],
    [
      'REDIS_TIMEOUT_MS',
      'over 10 s',
      { REDIS_URL: 'redis://127.0.0.1', REDIS_TIMEOUT_MS: '20000' },
    ],
    ['DATABASE_URL', 'not postgres:', { DATABASE_URL: 'mysql://db/bank' }],
    ['DATABASE_URL', 'not a URL', { DATABASE_URL: 'db.internal:5432/bank' }],
    ['DATABASE_URL', 'without a host', { DATABASE_URL: 'postgres:///bank' }],
    [
      'PGLITE_DATA_DIR',
      'with DATABASE_URL',
      { DATABASE_URL: 'postgres://db/bank', PGLITE_DATA_DIR: '/var/lib/accounts-api' },
    ],
    ['DPOP_NONCE_SECRET', 'without DPOP_NONCE=1', { DPOP_NONCE_SECRET: 'x'.repeat(32) }],
    ['DPOP_NONCE_SECRET', 'too short', { DPOP_NONCE: '1', DPOP_NONCE_SECRET: 'too-short' }],
    ['INTROSPECTION', 'not a flag', { INTROSPECTION: 'yes' }],
    ['INTROSPECTION_JWT', 'without INTROSPECTION=1', { INTROSPECTION_JWT: '1' }],
    [
      'INTROSPECTION_CACHE_SECONDS',
      'negative',
      { INTROSPECTION: '1', INTROSPECTION_CACHE_SECONDS: '-1' },
    ],
    ['AS_INTROSPECTION_URI', 'http', { INTROSPECTION: '1', AS_INTROSPECTION_URI: 'http://as/i' }],
    ['INTROSPECTION_KEY_FILE', 'missing', { INTROSPECTION: '1', INTROSPECTION_KEY_FILE: '/none' }],
    [
      'INTROSPECTION_KEY_FILE',
      'not JSON',
      { INTROSPECTION: '1', INTROSPECTION_KEY_FILE: DEV_TLS_FILES.ca },
    ],
    [
      'INTROSPECTION_KEY_FILE',
      'a public key',
      { INTROSPECTION: '1', INTROSPECTION_KEY_FILE: publicKeyFile },
    ],
  ])('names %s when it is invalid: %s', (variable, _why, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}: `));
  });

  it('never echoes a Redis or database URL or a nonce secret in its messages', () => {
    const messageOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected a configuration error');
    };
    expect(messageOf({ REDIS_URL: 'https://:hunter2@redis' })).not.toContain('hunter2');
    expect(messageOf({ DPOP_NONCE: '1', DPOP_NONCE_SECRET: 'hunter2' })).not.toContain('hunter2');
    expect(messageOf({ DATABASE_URL: 'mysql://app:hunter2@db/bank' })).not.toContain('hunter2');
  });
});
