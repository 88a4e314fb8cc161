/** Authorization-server discovery (RFC 8414, OpenID Connect Discovery; RS-DISC-01..03). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResourceServer, type ResourceServer, type RemoteJwksOptions } from '../src/index.js';
import { AUDIENCE, createKit, expectRejection, NOW_S, type Kit } from './fixture.js';

/**
 * `timeoutMs` of the hang case, which also bounds the fetches of its recovery. The other cases
 * keep the default (5 s): they are about answers, and a loaded machine may serve slowly.
 */
const HANG_TIMEOUT_MS = 2_000;

let kit: Kit;
beforeAll(async () => {
  kit = await createKit();
});

type Reply = { status?: number; body: string; type?: string } | 'hang';

/** A local authorization server: each path answers what the test sets; every request is logged. */
interface MetadataServer {
  issuer: string;
  origin: string;
  routes: Map<string, () => Reply>;
  paths: string[];
  close(): Promise<void>;
}

async function startMetadataServer(issuerPath = ''): Promise<MetadataServer> {
  const routes = new Map<string, () => Reply>();
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const reply = routes.get(req.url ?? '')?.() ?? { status: 404, body: '{}' };
    if (reply === 'hang') return;
    res.writeHead(reply.status ?? 200, { 'content-type': reply.type ?? 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: `${origin}${issuerPath}`,
    origin,
    routes,
    paths,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let as: MetadataServer;
beforeEach(async () => {
  as = await startMetadataServer();
  serveMetadata(as, '/.well-known/oauth-authorization-server', { jwks_uri: `${as.origin}/jwks` });
  as.routes.set('/jwks', () => ({ body: JSON.stringify(kit.authority.jwks()) }));
});
afterEach(async () => {
  await as.close();
});

function serveMetadata(server: MetadataServer, path: string, extra: Record<string, unknown>) {
  const document = { issuer: server.issuer, ...extra };
  server.routes.set(path, () => ({ body: JSON.stringify(document) }));
}

function discoveringServer(
  issuer = as.issuer,
  jwksOptions: RemoteJwksOptions = {},
): ResourceServer {
  return createResourceServer({
    issuer,
    discovery: true,
    audience: AUDIENCE,
    jwksOptions: { cooldownMs: 30_000, failureBackoffMs: 0, ...jwksOptions },
    clock: () => kit.clock.now,
  });
}

async function requestFor(issuer = as.issuer, header: Record<string, unknown> = {}) {
  return kit.dpopRequest({ token: await kit.dpopToken({ claims: { iss: issuer }, header }) });
}

const UNAVAILABLE = { status: 503, code: 'ERR_FAPI_KEYS_UNAVAILABLE' } as const;

describe('discovery with only the issuer (RS-DISC-01)', () => {
  test('finds the keys through the RFC 8414 metadata and caches the document', async () => {
    const rs = discoveringServer();
    await expect(rs.verify(await requestFor())).resolves.toMatchObject({ issuer: as.issuer });
    await expect(rs.verify(await requestFor())).resolves.toBeTruthy();
    expect(as.paths).toEqual(['/.well-known/oauth-authorization-server', '/jwks']);
  });

  test('inserts the well-known segment between host and issuer path (RFC 8414 §3.1)', async () => {
    const tenant = await startMetadataServer('/tenant/a');
    try {
      serveMetadata(tenant, '/.well-known/oauth-authorization-server/tenant/a', {
        jwks_uri: `${tenant.origin}/keys`,
      });
      tenant.routes.set('/keys', () => ({ body: JSON.stringify(kit.authority.jwks()) }));
      const rs = discoveringServer(tenant.issuer);
      await expect(rs.verify(await requestFor(tenant.issuer))).resolves.toBeTruthy();
      expect(tenant.paths[0]).toBe('/.well-known/oauth-authorization-server/tenant/a');
    } finally {
      await tenant.close();
    }
  });

  test('falls back to {issuer}/.well-known/openid-configuration', async () => {
    as.routes.delete('/.well-known/oauth-authorization-server');
    serveMetadata(as, '/.well-known/openid-configuration', { jwks_uri: `${as.origin}/jwks` });
    const rs = discoveringServer();
    await expect(rs.verify(await requestFor())).resolves.toBeTruthy();
    expect(as.paths).toEqual([
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/jwks',
    ]);
  });

  test('fetches the metadata and the keys through jwksOptions.fetch (a private CA, a proxy)', async () => {
    const seen: string[] = [];
    const rs = discoveringServer(as.issuer, {
      fetch: (input, init) => {
        seen.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    await expect(rs.verify(await requestFor())).resolves.toBeTruthy();
    expect(seen).toEqual(['/.well-known/oauth-authorization-server', '/jwks']);
  });

  test('refuses a plain-http issuer that is not loopback, at set-up', () => {
    expect(() => discoveringServer('http://as.bank.test')).toThrow(/issuer.*https/);
    expect(() => discoveringServer('not a url')).toThrow(/issuer.*absolute URL/);
  });

  test('refuses a jwks_uri that is plain http on a public host', async () => {
    serveMetadata(as, '/.well-known/oauth-authorization-server', {
      jwks_uri: 'http://as.bank.test/jwks',
    });
    await expectRejection(discoveringServer(), await requestFor(), UNAVAILABLE);
    expect(as.paths).not.toContain('/jwks');
  });

  test('discovery must be a boolean and is one key source among jwks, jwksUri and keys', () => {
    const base = { audience: AUDIENCE };
    expect(() =>
      createResourceServer({ ...base, issuer: as.issuer, discovery: 'yes' as never }),
    ).toThrow(/options.discovery: must be a boolean/);
    expect(() =>
      createResourceServer({
        ...base,
        issuer: { issuer: as.issuer, discovery: true, jwksUri: `${as.origin}/jwks` },
      }),
    ).toThrow(/exactly one of jwks, jwksUri, keys or discovery/);
    expect(() =>
      createResourceServer({ ...base, issuer: { issuer: as.issuer, discovery: true } }),
    ).not.toThrow();
  });

  test('the per-issuer form discovers each issuer on its own', async () => {
    const rs = createResourceServer({
      issuer: [{ issuer: as.issuer, discovery: true }, 'https://other.bank.test'],
      jwks: { keys: [] },
      audience: AUDIENCE,
      clock: () => kit.clock.now,
    });
    await expect(rs.verify(await requestFor())).resolves.toMatchObject({ issuer: as.issuer });
  });
});

describe('documents that are refused (RS-DISC-02)', () => {
  test.each([
    [
      'another issuer (mix-up)',
      () => JSON.stringify({ issuer: 'https://evil.test', jwks_uri: `${as.origin}/jwks` }),
    ],
    [
      'the issuer with a trailing slash',
      () => JSON.stringify({ issuer: `${as.issuer}/`, jwks_uri: `${as.origin}/jwks` }),
    ],
    ['no issuer', () => JSON.stringify({ jwks_uri: `${as.origin}/jwks` })],
    ['no jwks_uri', () => JSON.stringify({ issuer: as.issuer })],
    ['a jwks_uri that is not a string', () => JSON.stringify({ issuer: as.issuer, jwks_uri: 1 })],
    ['not JSON', () => '<html>login</html>'],
    ['a JSON array', () => '[]'],
    ['too big', () => JSON.stringify({ issuer: as.issuer, pad: 'x'.repeat(4096) })],
  ])('a document with %s gives 503 and its keys are never fetched', async (_name, body) => {
    as.routes.set('/.well-known/oauth-authorization-server', () => ({ body: body() }));
    const rs = discoveringServer(as.issuer, { maxBytes: 2048 });
    await expectRejection(rs, await requestFor(), UNAVAILABLE);
    expect(as.paths).not.toContain('/jwks');
  });

  test('an issuer configured with a trailing slash needs the identical issuer', async () => {
    const slashed = `${as.origin}/`;
    as.routes.set('/.well-known/oauth-authorization-server', () => ({
      body: JSON.stringify({ issuer: as.origin, jwks_uri: `${as.origin}/jwks` }),
    }));
    await expectRejection(discoveringServer(slashed), await requestFor(slashed), UNAVAILABLE);
    as.routes.set('/.well-known/oauth-authorization-server', () => ({
      body: JSON.stringify({ issuer: slashed, jwks_uri: `${as.origin}/jwks` }),
    }));
    await expect(
      discoveringServer(slashed).verify(await requestFor(slashed)),
    ).resolves.toBeTruthy();
  });
});

describe('outages and rotation (RS-DISC-03)', () => {
  test.each<[string, () => Reply, RemoteJwksOptions]>([
    ['answers 500', () => ({ status: 500, body: 'down' }), {}],
    ['hangs past the timeout', () => 'hang', { timeoutMs: HANG_TIMEOUT_MS }],
  ])(
    'an AS that %s at first use gives 503 without a challenge, then recovers',
    async (_n, r, o) => {
      const good = as.routes.get('/.well-known/oauth-authorization-server');
      as.routes.set('/.well-known/oauth-authorization-server', r);
      as.routes.set('/.well-known/openid-configuration', r);
      const rs = discoveringServer(as.issuer, o);
      const error = await expectRejection(rs, await requestFor(), UNAVAILABLE);
      expect(error.headers['www-authenticate']).toBeUndefined();
      expect(error.body()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The authorization server keys are temporarily unavailable',
      });
      as.routes.set('/.well-known/oauth-authorization-server', good!);
      await expect(rs.verify(await requestFor())).resolves.toBeTruthy();
    },
  );

  test('a warm cache survives an outage of metadata and keys, also past maxAge', async () => {
    const rs = discoveringServer(as.issuer, { maxAgeMs: 1_000 });
    await rs.verify(await requestFor());
    as.routes.clear();
    kit.clock.now += 5_000;
    try {
      const token = await kit.dpopToken({ now: kit.clock.now / 1000, claims: { iss: as.issuer } });
      const request = await kit.dpopRequest({ token, proof: { iat: kit.clock.now / 1000 } });
      await expect(rs.verify(request)).resolves.toBeTruthy();
    } finally {
      kit.clock.now = NOW_S * 1000;
    }
  });

  test('an unknown kid refetches the metadata and uses a changed jwks_uri', async () => {
    const rs = discoveringServer(as.issuer, { cooldownMs: 0 });
    await rs.verify(await requestFor());
    const rotated = await kit.authority.rotate('ES256');
    const old = kit.authority.jwks();
    try {
      // The old jwks_uri keeps serving the old set; the new one has the rotated key.
      as.routes.set('/jwks', () => ({ body: JSON.stringify({ keys: [old.keys[0]] }) }));
      as.routes.set('/jwks-2', () => ({ body: JSON.stringify(kit.authority.jwks()) }));
      serveMetadata(as, '/.well-known/oauth-authorization-server', {
        jwks_uri: `${as.origin}/jwks-2`,
      });
      const token = await kit.dpopToken({ key: rotated, claims: { iss: as.issuer } });
      await expect(rs.verify(await kit.dpopRequest({ token }))).resolves.toBeTruthy();
      expect(as.paths.slice(2)).toEqual([
        '/jwks',
        '/.well-known/oauth-authorization-server',
        '/jwks-2',
      ]);
    } finally {
      kit.authority.removeKey(rotated.kid);
    }
  });

  test('unknown kids refetch the metadata at most once per cooldown', async () => {
    const rs = discoveringServer();
    await rs.verify(await requestFor());
    for (let i = 0; i < 5; i += 1) {
      await expectRejection(rs, await requestFor(as.issuer, { kid: `unknown-${i}` }), {
        status: 401,
        code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND',
      });
    }
    const metadataFetches = as.paths.filter((p) => p.startsWith('/.well-known/'));
    expect(metadataFetches).toHaveLength(1);
  });
});

describe('introspection endpoint from the metadata (RS-DISC-03)', () => {
  test('opaque tokens go to the discovered introspection_endpoint', async () => {
    serveMetadata(as, '/.well-known/oauth-authorization-server', {
      jwks_uri: `${as.origin}/jwks`,
      introspection_endpoint: `${as.origin}/introspect`,
    });
    as.routes.set('/introspect', () => ({
      body: JSON.stringify({
        active: true,
        client_id: 'client-1',
        aud: AUDIENCE,
        exp: NOW_S + 60,
        iss: as.issuer,
        scope: 'accounts',
        cnf: { jkt: kit.dpopKey.jkt },
      }),
    }));
    const rs = createResourceServer({
      issuer: as.issuer,
      discovery: true,
      audience: AUDIENCE,
      introspection: { clientId: 'rs', auth: { method: 'client_secret_basic', secret: 's' } },
      clock: () => kit.clock.now,
    });
    const principal = await rs.verify(await kit.dpopRequest({ token: 'opaque-token-1' }));
    expect(principal).toMatchObject({ clientId: 'client-1', scopes: ['accounts'] });
    expect(as.paths).toContain('/introspect');
  });

  test('metadata without introspection_endpoint makes opaque tokens 503', async () => {
    const rs = createResourceServer({
      issuer: as.issuer,
      discovery: true,
      audience: AUDIENCE,
      introspection: { clientId: 'rs', auth: { method: 'client_secret_basic', secret: 's' } },
      clock: () => kit.clock.now,
    });
    await expectRejection(rs, await kit.dpopRequest({ token: 'opaque-token-2' }), {
      status: 503,
      code: 'ERR_FAPI_INTROSPECTION_UNAVAILABLE',
    });
  });

  test('without discovery the introspection endpoint stays required', () => {
    expect(() =>
      createResourceServer({
        issuer: 'https://as.bank.test',
        audience: AUDIENCE,
        introspection: { clientId: 'rs', auth: { method: 'client_secret_basic', secret: 's' } },
      }),
    ).toThrow(/introspection.endpoint/);
  });
});
