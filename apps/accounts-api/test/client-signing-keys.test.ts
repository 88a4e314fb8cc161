/**
 * Which key may verify a client's request signature: only a key registered for that very
 * client, named by its `kid`, for signing, public; and the configuration of the keys.
 */
import type { JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDevFixtures, publicJwk } from '../../auth-server/src/fixtures.js';
import { signatureConfig } from '../src/config/signature-config.js';
import { clientKeyResolver } from '../src/security/client-signing-keys.js';

const fixtures = loadDevFixtures();
const dpopKey = publicJwk(fixtures.clients.dpop.privateJwk) as JsonWebKey & { kid: string };
const mtlsKey = publicJwk(fixtures.clients.mtls.signingJwk) as JsonWebKey & { kid: string };

describe('clientKeyResolver', () => {
  const resolve = clientKeyResolver([
    { client_id: 'dpop-client', jwks: { keys: [dpopKey] } },
    { client_id: 'mtls-client', jwks: { keys: [mtlsKey] } },
  ]);

  it("finds a client's key by its kid, and never another client's", () => {
    expect(resolve('dpop-client', dpopKey.kid)).toEqual(dpopKey);
    expect(resolve('dpop-client', mtlsKey.kid)).toBeUndefined();
    expect(resolve('mtls-client', dpopKey.kid)).toBeUndefined();
    expect(resolve('unknown-client', dpopKey.kid)).toBeUndefined();
  });

  it('ignores keys without kid, encryption keys and private keys', () => {
    const { kid: _kid, ...noKid } = dpopKey;
    const only = clientKeyResolver([
      {
        client_id: 'c',
        jwks: {
          keys: [
            noKid,
            { ...mtlsKey, use: 'enc' },
            { ...fixtures.clients.dpop.privateJwk, kid: 'private' } as JsonWebKey,
          ],
        },
      },
    ]);
    expect(only('c', mtlsKey.kid)).toBeUndefined();
    expect(only('c', 'private')).toBeUndefined();
  });
});

describe('signatureConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'signature-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it("defaults to the dev response key and the dev AS's seeded clients, the mTLS client with two keys", () => {
    const config = signatureConfig({});
    expect(config.responseSigning).toMatchObject({
      keyId: fixtures.apiResponseSigningJwk.kid,
      algorithm: 'ecdsa-p256-sha256',
    });
    expect(config.clients.map((c) => c.client_id)).toEqual([
      'dpop-client',
      'mtls-client',
      'rs-client',
    ]);
    expect(config.clients[1]?.jwks?.keys).toHaveLength(2);
    expect(config.playgroundClients).toBe(false);
  });

  it('reads CLIENT_METADATA_FILE and refuses one holding a private key or no client_id', () => {
    const path = file('clients.json', [{ client_id: 'tpp', jwks: { keys: [dpopKey] } }]);
    expect(signatureConfig({ CLIENT_METADATA_FILE: path }).clients).toEqual([
      { client_id: 'tpp', jwks: { keys: [dpopKey] } },
    ]);
    const secret = file('secret.json', [
      { client_id: 'tpp', jwks: { keys: [fixtures.clients.dpop.privateJwk] } },
    ]);
    expect(() => signatureConfig({ CLIENT_METADATA_FILE: secret })).toThrow(
      /^CLIENT_METADATA_FILE: jwks of tpp must hold public keys only$/,
    );
    expect(() =>
      signatureConfig({ CLIENT_METADATA_FILE: file('anonymous.json', [{ jwks: { keys: [] } }]) }),
    ).toThrow(/^CLIENT_METADATA_FILE: entry 0 has no client_id$/);
  });

  it('refuses a response key that is public, has no kid or an unknown alg', () => {
    const env = (key: unknown) => ({ RESPONSE_SIGNING_KEY_FILE: file('key.json', key) });
    expect(() => signatureConfig(env(dpopKey))).toThrow(/is not a private JWK/);
    const { kid: _kid, ...noKid } = fixtures.apiResponseSigningJwk;
    expect(() => signatureConfig(env(noKid))).toThrow(/has no kid/);
    expect(() => signatureConfig(env({ ...fixtures.apiResponseSigningJwk, alg: 'HS256' }))).toThrow(
      /^RESPONSE_SIGNING_KEY_FILE: the key's alg must be one of ES256, EdDSA, PS512$/,
    );
  });

  it('PLAYGROUND_CLIENT_KEYS is 1 or 0', () => {
    expect(signatureConfig({ PLAYGROUND_CLIENT_KEYS: '1' }).playgroundClients).toBe(true);
    expect(() => signatureConfig({ PLAYGROUND_CLIENT_KEYS: 'yes' })).toThrow(
      /^PLAYGROUND_CLIENT_KEYS: must be 1 or 0$/,
    );
  });
});
