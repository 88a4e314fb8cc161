/** Remote JWKS (RS-GEN-09, RS-JWT-09): rotation, outages, rate-limited refetch, bounded waits. */
import { createServer } from 'node:net';
import { startJwksServer, type JwksServer } from '@fapi-guard/testing';
import { createResourceServer, type ResourceServer, type RemoteJwksOptions } from '../src/index.js';
import { AUDIENCE, createKit, expectRejection, ISSUER, NOW_S, type Kit } from './fixture.js';

/**
 * `timeoutMs` of the hang case, which also bounds the fetch of its recovery. The other cases
 * keep the default (5 s): they are about answers, and a loaded machine may serve slowly.
 */
const HANG_TIMEOUT_MS = 2_000;

let kit: Kit;
let server: JwksServer;

beforeAll(async () => {
  kit = await createKit();
});
beforeEach(async () => {
  server = await startJwksServer(kit.authority);
});
afterEach(async () => {
  await server.close();
});

function remoteServer(url: string, jwksOptions: RemoteJwksOptions = {}): ResourceServer {
  return createResourceServer({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: url,
    jwksOptions: { cooldownMs: 30_000, failureBackoffMs: 0, ...jwksOptions },
    clock: () => kit.clock.now,
  });
}

const UNAVAILABLE = { status: 503, code: 'ERR_FAPI_KEYS_UNAVAILABLE' } as const;

test('fetches the JWKS once and verifies tokens with it', async () => {
  const rs = remoteServer(server.url);
  await expect(rs.verify(await kit.dpopRequest())).resolves.toBeTruthy();
  await expect(rs.verify(await kit.dpopRequest())).resolves.toBeTruthy();
  expect(server.requests).toBe(1);
});

test('a new kid is accepted after one refetch (rotation)', async () => {
  const rs = remoteServer(server.url, { cooldownMs: 0 });
  await rs.verify(await kit.dpopRequest());
  const rotated = await kit.authority.rotate('ES256');
  try {
    await expect(
      rs.verify(await kit.dpopRequest({ token: await kit.dpopToken({ key: rotated }) })),
    ).resolves.toBeTruthy();
    expect(server.requests).toBe(2);
  } finally {
    kit.authority.removeKey(rotated.kid);
  }
});

test('a token signed by a removed key is refused after the cache refresh, even if cached', async () => {
  const rotated = await kit.authority.rotate('ES256');
  const rs = remoteServer(server.url, { maxAgeMs: 1_000 });
  const token = await kit.dpopToken({ key: rotated });
  await expect(rs.verify(await kit.dpopRequest({ token }))).resolves.toBeTruthy();
  kit.authority.removeKey(rotated.kid);
  kit.clock.now += 2_000;
  try {
    await expectRejection(
      rs,
      await kit.dpopRequest({ token, proof: { iat: kit.clock.now / 1000 } }),
      { status: 401, code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND', error: 'invalid_token', scheme: 'DPoP' },
    );
  } finally {
    kit.clock.now = NOW_S * 1000;
  }
});

test('unknown kids refetch at most once per cooldown (RS-JWT-09)', async () => {
  const rs = remoteServer(server.url);
  await rs.verify(await kit.dpopRequest());
  for (let i = 0; i < 20; i += 1) {
    const token = await kit.dpopToken({ header: { kid: `unknown-${i}` } });
    await expectRejection(rs, await kit.dpopRequest({ token }), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND',
    });
  }
  expect(server.requests).toBe(1);
  kit.clock.now += 30_000;
  try {
    await expectRejection(
      rs,
      await kit.dpopRequest({
        token: await kit.dpopToken({ header: { kid: 'unknown-x' } }),
        proof: { iat: kit.clock.now / 1000 },
      }),
      { status: 401, code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND' },
    );
    expect(server.requests).toBe(2);
  } finally {
    kit.clock.now = NOW_S * 1000;
  }
});

test.each(['error', 'garbage', 'html', 'hang'] as const)(
  'JWKS endpoint in mode %s at first use gives 503 without a challenge, then recovers',
  async (mode) => {
    server.setMode(mode);
    const rs = remoteServer(server.url, mode === 'hang' ? { timeoutMs: HANG_TIMEOUT_MS } : {});
    const error = await expectRejection(rs, await kit.dpopRequest(), UNAVAILABLE);
    expect(error.headers['www-authenticate']).toBeUndefined();
    expect(error.body()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The authorization server keys are temporarily unavailable',
    });
    server.setMode('ok');
    await expect(rs.verify(await kit.dpopRequest())).resolves.toBeTruthy();
  },
);

test('JWKS host refusing connections at first use gives 503', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const rs = remoteServer(`http://127.0.0.1:${port}/jwks`);
  await expectRejection(rs, await kit.dpopRequest(), UNAVAILABLE);
});

test('a warm cache survives an outage, also past maxAge (stale-if-error)', async () => {
  const rs = remoteServer(server.url, { maxAgeMs: 1_000 });
  await rs.verify(await kit.dpopRequest());
  server.setMode('error');
  kit.clock.now += 5_000;
  try {
    await expect(
      rs.verify(
        await kit.dpopRequest({
          token: await kit.dpopToken({ now: kit.clock.now / 1000 }),
          proof: { iat: kit.clock.now / 1000 },
        }),
      ),
    ).resolves.toBeTruthy();
    expect(server.requests).toBe(2);
  } finally {
    kit.clock.now = NOW_S * 1000;
  }
});

test('after a failed first fetch, requests within the backoff do not refetch (no retry storm)', async () => {
  server.setMode('error');
  const rs = remoteServer(server.url, { failureBackoffMs: 10_000 });
  for (let i = 0; i < 10; i += 1) await expectRejection(rs, await kit.dpopRequest(), UNAVAILABLE);
  expect(server.requests).toBe(1);
});

test('concurrent first requests share one fetch', async () => {
  server.setDelay(50);
  const rs = remoteServer(server.url);
  const requests = await Promise.all(Array.from({ length: 10 }, () => kit.dpopRequest()));
  await Promise.all(requests.map((r) => rs.verify(r)));
  expect(server.requests).toBe(1);
});

test('jwksUri must be https except on loopback (RS-GEN-09)', () => {
  expect(() => remoteServer('http://as.bank.test/jwks')).toThrow(/jwksUri.*https/);
  expect(() => remoteServer('http://localhost:4000/jwks')).not.toThrow();
});
