import { DEV_TLS_FILES, loadConfig, resolveConfig } from '../src/config/app-config.js';

describe('configuration from the environment', () => {
  it('has safe defaults: 127.0.0.1:3000, the dev AS, payments by DPoP or mTLS', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      issuer: 'https://127.0.0.1:4000',
      jwksUri: 'https://127.0.0.1:4000/jwks',
      paymentsBinding: 'any',
      dpopNonce: false,
      audit: 'stdout',
      logLevels: ['error', 'warn'],
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
});
