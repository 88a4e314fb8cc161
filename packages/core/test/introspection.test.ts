/** Opaque tokens by introspection (RFC 7662, RFC 9701; RS-INT-01..04; reject vectors N23, N24). */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { jwtVerify, importJWK, type JWK } from 'jose';
import {
  createClientCertificate,
  createSigningKey,
  signJwt,
  type SigningKey,
} from '@fapi-guard/testing';
import {
  createResourceServer,
  type IntrospectionOptions,
  type ResourceServer,
} from '../src/index.js';
import {
  AUDIENCE,
  createKit,
  expectRejection,
  ISSUER,
  NOW_S,
  RESOURCE_URL,
  type Kit,
} from './fixture.js';

type Mode =
  | 'ok'
  | 'error'
  | 'hang'
  | 'garbage'
  | 'unsigned'
  | 'bad-typ'
  | 'bad-aud'
  | 'bad-iss'
  | 'bad-signature';

interface IntrospectionServer {
  url: string;
  calls: number;
  mode: Mode;
  lastAuth: { assertion?: Record<string, unknown>; basic?: string; accept?: string };
  tokens: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * `timeoutMs` of the hang case. The other cases keep the default (5 s): a loaded machine needs
 * time for the endpoint's PS256 work, and those cases are about answers, not speed.
 */
const HANG_TIMEOUT_MS = 1_000;
/** Margin for a timer firing a millisecond or so before `Date.now()` says its delay passed. */
const TIMER_ROUNDING_MS = 5;
/** How long past its timeout a hanging call may take to end on a busy machine. */
const HANG_SLACK_MS = 10_000;

let kit: Kit;
let rsKey: SigningKey;
/** Signs the bad-signature responses; made once, since RSA key generation is slow. */
let strangerKey: SigningKey;
let endpoint: IntrospectionServer;

/** A local AS introspection endpoint that checks private_key_jwt and can sign its answers. */
async function startIntrospection(): Promise<IntrospectionServer> {
  const state = {
    calls: 0,
    mode: 'ok' as Mode,
    lastAuth: {},
    tokens: new Map(),
  } as IntrospectionServer;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (req, res) => {
    state.calls += 1;
    let body = '';
    for await (const chunk of req) body += chunk;
    if (state.mode === 'hang') return;
    if (state.mode === 'error') return res.writeHead(500).end('oops');
    if (state.mode === 'garbage')
      return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
    const form = new URLSearchParams(body);
    state.lastAuth = { accept: req.headers.accept, basic: req.headers.authorization };
    const assertion = form.get('client_assertion');
    if (assertion) {
      const { payload } = await jwtVerify(
        assertion,
        await importJWK(rsKey.publicJwk as JWK, 'PS256'),
        { audience: ISSUER, issuer: 'rs-client', currentDate: new Date(NOW_S * 1000) },
      ).catch(() => ({ payload: undefined }));
      if (!payload) return res.writeHead(401).end('{"error":"invalid_client"}');
      state.lastAuth.assertion = payload;
    }
    const data = state.tokens.get(form.get('token') ?? '') ?? { active: false };
    if (!req.headers.accept?.includes('token-introspection+jwt') || state.mode === 'unsigned') {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    }
    const key = kit.authority.key('PS256');
    const header = {
      alg: 'PS256',
      kid: key.kid,
      typ: state.mode === 'bad-typ' ? 'JWT' : 'token-introspection+jwt',
    };
    const claims = {
      iss: state.mode === 'bad-iss' ? 'https://evil.test' : ISSUER,
      aud: state.mode === 'bad-aud' ? 'someone-else' : 'rs-client',
      iat: NOW_S,
      token_introspection: data,
    };
    const jwt = signJwt(
      header,
      claims,
      state.mode === 'bad-signature' ? strangerKey.privateKey : key.privateKey,
    );
    res.writeHead(200, { 'content-type': 'application/token-introspection+jwt' }).end(jwt);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/introspect`;
  state.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

function opaque(data: Record<string, unknown>): string {
  const token = randomBytes(32).toString('base64url');
  endpoint.tokens.set(token, {
    active: true,
    iss: ISSUER,
    aud: AUDIENCE,
    client_id: 'client-1',
    sub: 'user-9',
    scope: 'accounts',
    exp: NOW_S + 300,
    iat: NOW_S,
    token_type: 'DPoP',
    ...data,
  });
  return token;
}

function server(
  introspection: Partial<IntrospectionOptions> = {},
  extra: Record<string, unknown> = {},
): ResourceServer {
  return createResourceServer({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: kit.authority.jwks(),
    clock: () => kit.clock.now,
    introspection: {
      endpoint: endpoint.url,
      clientId: 'rs-client',
      auth: { method: 'private_key_jwt', key: rsKey.privateJwk as never, alg: 'PS256' },
      ...introspection,
    },
    ...extra,
  });
}

beforeAll(async () => {
  kit = await createKit();
  rsKey = await createSigningKey('PS256', { kid: 'rs-key' });
  strangerKey = await createSigningKey('PS256');
});
beforeEach(async () => {
  endpoint = await startIntrospection();
});
afterEach(() => endpoint.close());

describe('opaque DPoP- and mTLS-bound tokens', () => {
  test('an active DPoP-bound opaque token with its proof passes (RS-INT-02)', async () => {
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt } });
    const principal = await server().verify(await kit.dpopRequest({ token }), {
      scopes: ['accounts'],
    });
    expect(principal).toMatchObject({
      subject: 'user-9',
      clientId: 'client-1',
      binding: { kind: 'dpop', jkt: kit.dpopKey.jkt },
    });
    expect(endpoint.lastAuth.assertion).toMatchObject({
      iss: 'rs-client',
      sub: 'rs-client',
      aud: ISSUER,
    });
    expect(endpoint.lastAuth.accept).toBe('application/json');
  });

  test('the RS, not the AS, checks the DPoP binding of an introspected token (RS-INT-02, N45)', async () => {
    const token = opaque({ cnf: { jkt: 'A'.repeat(43) } });
    await expectRejection(server(), await kit.dpopRequest({ token }), {
      status: 401,
      code: 'ERR_FAPI_DPOP_KEY_BINDING',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
  });

  test('acr and auth_time of an introspection response are honoured like JWT claims (RS-STEP-04)', async () => {
    const rs = server();
    const strong = opaque({ cnf: { jkt: kit.dpopKey.jkt }, acr: 'urn:strong', auth_time: NOW_S });
    await expect(
      rs.verify(await kit.dpopRequest({ token: strong }), {
        acrValues: ['urn:strong'],
        maxAge: 60,
      }),
    ).resolves.toMatchObject({ acr: 'urn:strong', authTime: NOW_S });
    const weak = opaque({ cnf: { jkt: kit.dpopKey.jkt }, acr: 'urn:weak', auth_time: NOW_S });
    const error = await expectRejection(
      rs,
      await kit.dpopRequest({ token: weak }),
      { status: 401, code: 'ERR_FAPI_ACR_INSUFFICIENT', error: 'insufficient_user_authentication' },
      { acrValues: ['urn:strong'] },
    );
    expect(error.headers['www-authenticate']).toMatch(/acr_values="urn:strong"/);
  });

  test('authorization_details of an introspection response are checked and matched (RS-RAR-01, RS-RAR-02)', async () => {
    const rs = server();
    const detail = { type: 'account_access', actions: ['read_balances'], accounts: ['acc-1'] };
    const granted = opaque({ cnf: { jkt: kit.dpopKey.jkt }, authorization_details: [detail] });
    await expect(
      rs.verify(await kit.dpopRequest({ token: granted }), {
        authorizationDetails: { type: 'account_access', actions: ['read_balances'] },
      }),
    ).resolves.toMatchObject({ authorizationDetails: [detail] });
    const malformed = opaque({
      cnf: { jkt: kit.dpopKey.jkt },
      authorization_details: [{ actions: [] }],
    });
    await expectRejection(rs, await kit.dpopRequest({ token: malformed }), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_AUTHORIZATION_DETAILS_INVALID',
      error: 'invalid_token',
    });
  });

  test('an opaque mTLS-bound token needs its certificate', async () => {
    const cert = await createClientCertificate();
    const token = opaque({ cnf: { 'x5t#S256': cert.x5tS256 }, token_type: 'Bearer' });
    const request = {
      method: 'GET',
      url: RESOURCE_URL,
      headers: { authorization: `Bearer ${token}` },
    };
    await expect(
      server().verify({ ...request, clientCertificate: cert.der }),
    ).resolves.toMatchObject({ binding: { kind: 'mtls' } });
    await expectRejection(server(), request, {
      status: 401,
      code: 'ERR_FAPI_MTLS_NO_CERTIFICATE',
      error: 'invalid_token',
      scheme: 'Bearer',
    });
  });

  test('one resource server accepts JWT and opaque tokens side by side', async () => {
    const rs = server();
    await expect(rs.verify(await kit.dpopRequest())).resolves.toMatchObject({ subject: 'user-1' });
    await expect(
      rs.verify(await kit.dpopRequest({ token: opaque({ cnf: { jkt: kit.dpopKey.jkt } }) })),
    ).resolves.toMatchObject({ subject: 'user-9' });
    expect(endpoint.calls).toBe(1);
  });
});

describe('introspection responses that must be refused', () => {
  const TOKEN = { status: 401, error: 'invalid_token', scheme: 'DPoP' } as const;
  test.each<[string, Record<string, unknown>, string]>([
    ['N23 revoked token: active false (RS-GEN-03)', { active: false }, 'ERR_FAPI_TOKEN_INACTIVE'],
    ['active as a string', { active: 'true' }, 'ERR_FAPI_TOKEN_INACTIVE'],
    [
      'audience of another RS (RS-INT-01)',
      { aud: 'https://other.test' },
      'ERR_FAPI_TOKEN_AUDIENCE',
    ],
    ['no audience (RS-INT-01)', { aud: undefined }, 'ERR_FAPI_TOKEN_AUDIENCE'],
    ['expired (RS-INT-01)', { exp: NOW_S - 60 }, 'ERR_FAPI_TOKEN_EXPIRED'],
    ['no exp', { exp: undefined }, 'ERR_FAPI_TOKEN_CLAIM_INVALID'],
    ['another issuer', { iss: 'https://evil.test' }, 'ERR_FAPI_TOKEN_ISSUER'],
    [
      'DPoP-bound but token_type Bearer (RS-INT-02)',
      { token_type: 'Bearer' },
      'ERR_FAPI_TOKEN_CLAIM_INVALID',
    ],
    ['scope insufficient (RS-GEN-04)', { scope: 'openid' }, 'ERR_FAPI_INSUFFICIENT_SCOPE'],
  ])('%s', async (_name, data, code) => {
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt }, ...data });
    const expected =
      code === 'ERR_FAPI_INSUFFICIENT_SCOPE'
        ? { status: 403, code, error: 'insufficient_scope', scheme: 'DPoP' as const }
        : { ...TOKEN, code };
    await expectRejection(server(), await kit.dpopRequest({ token }), expected, {
      scopes: ['accounts'],
    });
  });

  test('a token the AS does not know is inactive', async () => {
    await expectRejection(server(), await kit.dpopRequest({ token: 'unknown-opaque-token' }), {
      ...TOKEN,
      code: 'ERR_FAPI_TOKEN_INACTIVE',
    });
  });
});

describe('signed introspection responses (RFC 9701, RS-INT-03)', () => {
  test('a signed response is requested, verified and used', async () => {
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt } });
    await expect(
      server({ jwtResponse: true }).verify(await kit.dpopRequest({ token })),
    ).resolves.toMatchObject({ subject: 'user-9' });
    expect(endpoint.lastAuth.accept).toBe('application/token-introspection+jwt');
  });

  test.each<[Mode]>([['unsigned'], ['bad-typ'], ['bad-aud'], ['bad-iss'], ['bad-signature']])(
    'N24 response %s is refused',
    async (mode) => {
      endpoint.mode = mode;
      const token = opaque({ cnf: { jkt: kit.dpopKey.jkt } });
      await expectRejection(server({ jwtResponse: true }), await kit.dpopRequest({ token }), {
        status: 401,
        code: 'ERR_FAPI_INTROSPECTION_RESPONSE_INVALID',
        error: 'invalid_token',
        scheme: 'DPoP',
      });
    },
  );
});

describe('caching and failures (RS-INT-04)', () => {
  test('results are cached per token: one call for many requests', async () => {
    const rs = server();
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt } });
    for (let i = 0; i < 5; i += 1) await rs.verify(await kit.dpopRequest({ token }));
    expect(endpoint.calls).toBe(1);
  });

  test('concurrent requests for one uncached token make one call', async () => {
    const rs = server();
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt } });
    const requests = await Promise.all(
      Array.from({ length: 10 }, () => kit.dpopRequest({ token })),
    );
    await Promise.all(requests.map((r) => rs.verify(r)));
    expect(endpoint.calls).toBe(1);
  });

  test('a cached result is not used past maxTtlSeconds: revocation is seen then', async () => {
    const rs = server({ cache: { maxTtlSeconds: 30 } });
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt } });
    await rs.verify(await kit.dpopRequest({ token }));
    endpoint.tokens.set(token, { active: false });
    kit.clock.now += 31_000;
    try {
      await expectRejection(
        rs,
        await kit.dpopRequest({ token, proof: { iat: kit.clock.now / 1000 } }),
        { status: 401, code: 'ERR_FAPI_TOKEN_INACTIVE' },
      );
    } finally {
      kit.clock.now = NOW_S * 1000;
    }
  });

  test('a cached result never outlives the token exp', async () => {
    const rs = server();
    const token = opaque({ cnf: { jkt: kit.dpopKey.jkt }, exp: NOW_S + 10 });
    await rs.verify(await kit.dpopRequest({ token }));
    kit.clock.now += 16_000;
    try {
      await expectRejection(
        rs,
        await kit.dpopRequest({ token, proof: { iat: kit.clock.now / 1000 } }),
        { status: 401, code: 'ERR_FAPI_TOKEN_EXPIRED' },
      );
    } finally {
      kit.clock.now = NOW_S * 1000;
    }
  });

  test.each<[Mode]>([['error'], ['garbage']])(
    'endpoint in mode %s gives 503, no challenge',
    async (mode) => {
      endpoint.mode = mode;
      const error = await expectRejection(server(), await kit.dpopRequest({ token: opaque({}) }), {
        status: 503,
        code: 'ERR_FAPI_INTROSPECTION_UNAVAILABLE',
      });
      expect(error.headers['www-authenticate']).toBeUndefined();
    },
  );

  test('endpoint in mode hang gives 503 once timeoutMs has passed, no challenge', async () => {
    endpoint.mode = 'hang';
    const request = await kit.dpopRequest({ token: opaque({}) });
    const started = Date.now();
    const error = await expectRejection(server({ timeoutMs: HANG_TIMEOUT_MS }), request, {
      status: 503,
      code: 'ERR_FAPI_INTROSPECTION_UNAVAILABLE',
    });
    const elapsedMs = Date.now() - started;
    // The endpoint got the call and never answered: the timeout ended it, not the endpoint.
    expect(endpoint.calls).toBe(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(HANG_TIMEOUT_MS - TIMER_ROUNDING_MS);
    expect(elapsedMs).toBeLessThan(HANG_TIMEOUT_MS + HANG_SLACK_MS);
    expect(error.headers['www-authenticate']).toBeUndefined();
  });

  test('after a failure, requests within the backoff get 503 without calling again (no retry storm)', async () => {
    endpoint.mode = 'error';
    const rs = server({ failureBackoffMs: 10_000 });
    for (let i = 0; i < 10; i += 1) {
      await expectRejection(rs, await kit.dpopRequest({ token: opaque({}) }), {
        status: 503,
        code: 'ERR_FAPI_INTROSPECTION_UNAVAILABLE',
      });
    }
    expect(endpoint.calls).toBe(1);
  });

  test('wrong client credentials at the AS give 503, not a client-facing 401', async () => {
    const wrong = await createSigningKey('PS256');
    const rs = server({
      auth: { method: 'private_key_jwt', key: wrong.privateJwk as never, alg: 'PS256' },
    });
    await expectRejection(
      rs,
      await kit.dpopRequest({ token: opaque({ cnf: { jkt: kit.dpopKey.jkt } }) }),
      { status: 503, code: 'ERR_FAPI_INTROSPECTION_UNAVAILABLE' },
    );
  });

  test('client_secret_basic sends HTTP Basic credentials', async () => {
    const rs = server({ auth: { method: 'client_secret_basic', secret: 's3cret' } });
    await rs.verify(await kit.dpopRequest({ token: opaque({ cnf: { jkt: kit.dpopKey.jkt } }) }));
    expect(endpoint.lastAuth.basic).toBe(
      `Basic ${Buffer.from('rs-client:s3cret').toString('base64')}`,
    );
  });
});

describe('introspection options', () => {
  test.each<[string, Partial<IntrospectionOptions>, RegExp]>([
    [
      'http endpoint off loopback',
      { endpoint: 'http://as.test/introspect' },
      /introspection.endpoint/,
    ],
    [
      'public key as client key',
      {
        auth: {
          method: 'private_key_jwt',
          key: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' } as never,
        },
      },
      /introspection.auth.key/,
    ],
    ['unknown auth method', { auth: { method: 'none' } as never }, /introspection.auth.method/],
    ['unknown issuer', { issuer: 'https://other.test' }, /introspection.issuer/],
  ])('%s', (_name, override, message) => {
    expect(() => server(override)).toThrow(message);
  });

  test('no JWKS is needed when only opaque tokens are introspected', async () => {
    const rs = createResourceServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: () => kit.clock.now,
      introspection: {
        endpoint: endpoint.url,
        clientId: 'rs-client',
        auth: { method: 'private_key_jwt', key: rsKey.privateJwk as never, alg: 'PS256' },
      },
    });
    await expect(
      rs.verify(await kit.dpopRequest({ token: opaque({ cnf: { jkt: kit.dpopKey.jkt } }) })),
    ).resolves.toBeTruthy();
    await expectRejection(rs, await kit.dpopRequest(), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND',
    });
  });
});

describe('tls_client_auth (RFC 8705 §2 client authentication)', () => {
  test('the certificate presented by the fetch you pass authenticates the resource server', async () => {
    const { createServer: createHttpsServer } = await import('node:https');
    const { Agent, fetch: undiciFetch } = await import('undici');
    const { createCertificateAuthority } = await import('@fapi-guard/testing');
    const ca = await createCertificateAuthority();
    const serverCert = await ca.issueServerCertificate({ hostnames: ['127.0.0.1'] });
    const rsCert = await ca.issueClientCertificate({ subject: 'CN=rs-client' });
    const token = randomBytes(32).toString('base64url');
    const seen: string[] = [];
    const https = createHttpsServer(
      {
        key: serverCert.keyPem,
        cert: serverCert.certPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      async (req, res) => {
        let body = '';
        for await (const chunk of req) body += chunk;
        const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
        seen.push(String(peer.subject?.CN));
        const form = new URLSearchParams(body);
        const active = form.get('token') === token && form.get('client_id') === 'rs-client';
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify(
            active
              ? {
                  active: true,
                  iss: ISSUER,
                  aud: AUDIENCE,
                  client_id: 'client-1',
                  sub: 'user-9',
                  scope: 'accounts',
                  exp: NOW_S + 300,
                  cnf: { jkt: kit.dpopKey.jkt },
                }
              : { active: false },
          ),
        );
      },
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const dispatcher = new Agent({
      connect: { ca: ca.certPem, cert: rsCert.certPem, key: rsCert.keyPem },
    });
    try {
      const rs = createResourceServer({
        issuer: ISSUER,
        audience: AUDIENCE,
        clock: () => kit.clock.now,
        introspection: {
          endpoint: `https://127.0.0.1:${(https.address() as { port: number }).port}/introspect`,
          clientId: 'rs-client',
          auth: { method: 'tls_client_auth' },
          fetch: ((url: string, init: object) =>
            undiciFetch(url, { ...init, dispatcher })) as unknown as typeof fetch,
        },
      });
      await expect(rs.verify(await kit.dpopRequest({ token }))).resolves.toMatchObject({
        subject: 'user-9',
      });
      expect(seen).toEqual(['rs-client']);
    } finally {
      await dispatcher.close();
      await new Promise((resolve) => https.close(resolve));
    }
  });
});
