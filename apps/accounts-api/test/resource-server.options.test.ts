import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { createResourceServer } from '@fapi-guard/core';
import { loadConfig, resolveConfig } from '../src/config/app-config.js';
import { resourceServerOptions } from '../src/security/resource-server.options.js';
import { AuditLog } from '../src/shared/audit-log.service.js';
import { AuthServerFetch } from '../src/shared/auth-server-fetch.js';
import { DpopReplayStore, QUIT_TIMEOUT_MS } from '../src/shared/dpop-replay-store.provider.js';

/** Builds fapi-guard's options from `env` as the application does, and core's verifier. */
function build(env: Record<string, string>) {
  const config = resolveConfig(loadConfig(env), 3000);
  const authServer = new AuthServerFetch(config);
  const replay = new DpopReplayStore(config);
  const options = resourceServerOptions(config, new AuditLog(() => undefined), authServer, replay);
  const { cors: _cors, ...core } = options; // the Nest module's own option
  const rs = createResourceServer(core); // throws a TypeError if core refuses an option
  return {
    options,
    replay,
    signsResponses: rs.signsResponses,
    close: async () => {
      await rs.close();
      await replay.onApplicationShutdown();
      await authServer.onApplicationShutdown();
    },
  };
}

describe("fapi-guard's options from the configuration", () => {
  it('defaults: JWT access tokens only, no nonces, the in-memory replay store', async () => {
    const built = build({});
    expect(built.replay.store).toBeUndefined();
    expect(built.options.dpop).toEqual({ algorithms: ['PS256', 'ES256'] });
    expect(built.options.introspection).toBeUndefined();
    // The API's own origin and the AS's (the browser playground is served there).
    expect(built.options.cors).toEqual({
      origins: ['https://127.0.0.1:3000', 'https://127.0.0.1:4000'],
      // A page may send a signed payment and read the answer's signature.
      allowHeaders: expect.arrayContaining([
        'DPoP',
        'Content-Digest',
        'Signature-Input',
        'Signature',
      ]),
      exposeHeaders: expect.arrayContaining(['WWW-Authenticate', 'Signature-Input', 'Signature']),
    });
    // Signed requests verified and responses signed (with the API's key) by one verifier.
    expect(built.options.httpSignatures).toMatchObject({
      verify: expect.any(Function),
      signResponse: expect.any(Function),
    });
    expect(built.signsResponses).toBe(true);
    expect(built.options).toMatchObject({
      issuer: 'https://127.0.0.1:4000',
      audience: 'https://127.0.0.1:3000',
      publicUrl: 'https://127.0.0.1:3000',
    });
    await built.close();
  });

  it('a cluster member: shared nonce secret, Redis replay store under REDIS_KEY_PREFIX', async () => {
    const secret = randomUUID() + randomUUID();
    const prefix = `fapi:test:options:${randomUUID()}:`;
    const built = build({
      PUBLIC_URL: 'https://api.bank.example',
      DPOP_NONCE: '1',
      DPOP_NONCE_SECRET: secret,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    });
    expect(built.options.dpop).toEqual({
      algorithms: ['PS256', 'ES256'],
      nonce: { secret },
      replayStore: built.replay.store,
    });
    expect(built.replay.store).toMatchObject({ keyPrefix: prefix });
    expect(built.options).toMatchObject({
      publicUrl: 'https://api.bank.example',
      audience: 'https://api.bank.example',
    });
    await built.close();
  });

  it('DPOP_NONCE=1 alone: a random per-process nonce secret', async () => {
    const built = build({ DPOP_NONCE: '1' });
    expect(built.options.dpop).toEqual({ algorithms: ['PS256', 'ES256'], nonce: true });
    await built.close();
  });

  it('INTROSPECTION=1: private_key_jwt as rs-client over the AS transport, JWTs still accepted', async () => {
    const built = build({
      INTROSPECTION: '1',
      INTROSPECTION_JWT: '1',
      INTROSPECTION_CACHE_SECONDS: '5',
    });
    expect(built.options.introspection?.endpoint).toBeUndefined();
    expect(built.options.introspection).toMatchObject({
      clientId: 'rs-client',
      auth: { method: 'private_key_jwt', alg: 'PS256', key: { kty: 'RSA' } },
      jwtResponse: true,
      cache: { maxTtlSeconds: 5 },
      fetch: expect.any(Function),
    });
    expect(built.options).toMatchObject({ issuer: 'https://127.0.0.1:4000', discovery: true });
    expect(built.options.jwksUri).toBeUndefined();
    await built.close();
    const uncached = build({ INTROSPECTION: '1', INTROSPECTION_CACHE_SECONDS: '0' });
    expect(uncached.options.introspection?.cache).toBe(false);
    await uncached.close();
  });
});

describe('DpopReplayStore (REDIS_URL)', () => {
  // Its warnings go through Nest's logger: expected here, not worth printing.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it('checks proofs in Redis and closes its client on shutdown', async () => {
    const prefix = `fapi:test:provider:${randomUUID()}:`;
    const config = resolveConfig(
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: prefix }),
      3000,
    );
    const replay = new DpopReplayStore(config);
    // The client connects in the background; a check before it is ready fails closed.
    const check = async (key: string) => replay.store!.checkAndStore(key, 1);
    let first: boolean | Error = new Error('not tried');
    for (let waited = 0; waited < 2000 && first instanceof Error; waited += 50) {
      first = await check('proof-1').catch((error: Error) => error);
      if (first instanceof Error) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(first).toBe(true);
    await expect(check('proof-1')).resolves.toBe(false);
    await replay.onApplicationShutdown();
    await expect(check('proof-2')).rejects.toMatchObject({
      code: 'ERR_FAPI_REDIS_DISCONNECTED',
    });
  });

  it('fails closed, and shuts down at once, when Redis is unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const config = resolveConfig(
      loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_TIMEOUT_MS: '100' }),
      3000,
    );
    const replay = new DpopReplayStore(config);
    await expect(Promise.resolve(replay.store!.checkAndStore('proof', 1))).rejects.toMatchObject({
      name: 'RedisStoreError',
    });
    const started = Date.now();
    await replay.onApplicationShutdown();
    // At once: well under the QUIT fallback, which it would have waited out otherwise.
    expect(Date.now() - started).toBeLessThan(QUIT_TIMEOUT_MS / 2);
  });
});
