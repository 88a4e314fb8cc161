/** What must pass (the "must not be rejected" list of docs/requirements.md) and what a successful decision returns. */
import { X509Certificate } from 'node:crypto';
import {
  createClientCertificate,
  createDpopKey,
  createSigningKey,
  toClientCertHeader,
  type ClientCertificate,
} from '@fapi-guard/testing';
import { createResourceServer, type DecisionEvent, type RequestLike } from '../src/index.js';
import {
  AUDIENCE,
  createKit,
  expectRejection,
  ISSUER,
  NOW_S,
  RESOURCE_URL,
  type Kit,
} from './fixture.js';

/** The answer to a proof without nonce once nonces are on. */
const NONCE_CHALLENGE = {
  status: 401,
  code: 'ERR_FAPI_DPOP_NONCE_REQUIRED',
  error: 'use_dpop_nonce',
  scheme: 'DPoP',
} as const;

let kit: Kit;
let cert: ClientCertificate;

beforeAll(async () => {
  kit = await createKit({ mtls: { header: { trustedProxies: ['10.0.0.0/8', '::1'] } } });
  cert = await createClientCertificate({ subject: 'CN=client-1' });
});

const mtlsRequest = async (k: Kit, extra: Partial<RequestLike> = {}, scheme = 'Bearer') => ({
  method: 'GET',
  url: RESOURCE_URL,
  headers: {
    authorization: `${scheme} ${await k.authority.mintAccessToken({ now: NOW_S, cnf: { 'x5t#S256': cert.x5tS256 } })}`,
  },
  clientCertificate: cert.der,
  ...extra,
});

describe('must not be rejected (docs/requirements.md)', () => {
  const accepted: Array<[string, (k: Kit) => Promise<RequestLike>]> = [
    [
      'scheme in odd case: dPoP (RS-TOK-01)',
      async (k) => {
        const r = await k.dpopRequest();
        const h = r.headers as Record<string, string>;
        return { ...r, headers: { ...h, authorization: h.authorization!.replace('DPoP', 'dPoP') } };
      },
    ],
    [
      'scheme in odd case: bEARER with an mTLS token (RS-TOK-01)',
      (k) => mtlsRequest(k, {}, 'bEARER'),
    ],
    [
      'header name DPOP in capitals (RS-DPOP-02)',
      async (k) => {
        const r = await k.dpopRequest();
        const h = r.headers as Record<string, string>;
        return { ...r, headers: { authorization: h.authorization!, DPOP: h.dpop! } };
      },
    ],
    [
      'extra unknown header and claims in the proof',
      (k) =>
        k.dpopRequest({
          proof: { header: { extra: 'x' }, claims: { foo: 'bar', nested: { a: 1 } } },
        }),
    ],
    [
      'htu with query and fragment (RS-DPOP-09)',
      (k) => k.dpopRequest({ proof: { htu: `${RESOURCE_URL}?a=1#frag` } }),
    ],
    [
      'request with a query, htu without (RS-DPOP-09)',
      (k) => k.dpopRequest({ url: `${RESOURCE_URL}?from=2024-01-01` }),
    ],
    [
      'htu with upper-case scheme and host (RS-DPOP-09)',
      (k) => k.dpopRequest({ proof: { htu: 'HTTPS://API.BANK.TEST/accounts' } }),
    ],
    [
      'htu with the explicit default port (RS-DPOP-09)',
      (k) => k.dpopRequest({ proof: { htu: 'https://api.bank.test:443/accounts' } }),
    ],
    [
      'htu with percent-encoding of an unreserved character (RS-DPOP-09)',
      (k) => k.dpopRequest({ proof: { htu: 'https://api.bank.test/%61ccounts' } }),
    ],
    [
      'proof with valid nbf and exp (suite check-dpop-proof-nbf-exp)',
      (k) => k.dpopRequest({ proof: { claims: { nbf: NOW_S, exp: NOW_S + 300 } } }),
    ],
    [
      'proof iat 10 s in the past (RS-GEN-10)',
      (k) => k.dpopRequest({ proof: { iat: NOW_S - 10 } }),
    ],
    [
      'proof iat 10 s in the future (RS-GEN-10)',
      (k) => k.dpopRequest({ proof: { iat: NOW_S + 10 } }),
    ],
    [
      'proof iat 70 s old, the edge of the window (RS-DPOP-11)',
      (k) => k.dpopRequest({ proof: { iat: NOW_S - 70 } }),
    ],
    [
      'alternate Accept header',
      async (k) => {
        const r = await k.dpopRequest();
        return {
          ...r,
          headers: {
            ...(r.headers as Record<string, string>),
            accept: 'application/xml;q=0.5, */*',
          },
        };
      },
    ],
    [
      'headers given as raw pairs',
      async (k) => {
        const r = await k.dpopRequest();
        return { ...r, headers: Object.entries(r.headers as Record<string, string>).flat() };
      },
    ],
    [
      'headers given as a fetch Headers',
      async (k) => {
        const r = await k.dpopRequest();
        return { ...r, headers: new Headers(r.headers as Record<string, string>) };
      },
    ],
    [
      'client certificate given as PEM (RS-MTLS-01)',
      (k) => mtlsRequest(k, { clientCertificate: cert.certPem }),
    ],
    [
      'client certificate given as an X509Certificate (RS-MTLS-01)',
      (k) => mtlsRequest(k, { clientCertificate: new X509Certificate(cert.certPem) }),
    ],
    [
      'Client-Cert header from a trusted proxy (RS-MTLS-03)',
      async (k) => {
        const r = await mtlsRequest(k, { clientCertificate: null, peerAddress: '10.9.8.7' });
        return { ...r, headers: { ...r.headers, 'client-cert': toClientCertHeader(cert.der) } };
      },
    ],
    [
      'Client-Cert header from a trusted proxy at an IPv4-mapped address',
      async (k) => {
        const r = await mtlsRequest(k, { clientCertificate: null, peerAddress: '::ffff:10.0.0.1' });
        return { ...r, headers: { ...r.headers, 'client-cert': toClientCertHeader(cert.der) } };
      },
    ],
  ];
  test.each(accepted)('accepts %s', async (_name, build) => {
    const principal = await kit.rs.verify(await build(kit), { scopes: ['accounts'] });
    expect(principal.subject).toBe('user-1');
    expect(principal.clientId).toBe('client-1');
  });

  test('accepts a valid proof after a use_dpop_nonce retry (RS-DPOP-17)', async () => {
    const k = await createKit({ dpop: { nonce: true } });
    const first = await expectRejection(k.rs, await k.dpopRequest(), {
      status: 401,
      error: 'use_dpop_nonce',
      scheme: 'DPoP',
    });
    const nonce = first.headers['dpop-nonce'] as string;
    const principal = await k.rs.verify(await k.dpopRequest({ proof: { nonce } }));
    expect(principal.binding).toEqual({ kind: 'dpop', jkt: k.dpopKey.jkt });
    expect(principal.responseHeaders['dpop-nonce']).toBeUndefined();
  });

  test('rotates the nonce on success once the client nonce is from the previous step (RS-DPOP-17)', async () => {
    const k = await createKit({ dpop: { nonce: { secret: 's'.repeat(32), rotateSeconds: 60 } } });
    const nonce = (await expectRejection(k.rs, await k.dpopRequest(), NONCE_CHALLENGE)).headers[
      'dpop-nonce'
    ]!;
    k.clock.now += 60_000;
    const principal = await k.rs.verify(
      await k.dpopRequest({ proof: { nonce, iat: k.clock.now / 1000 } }),
    );
    expect(principal.responseHeaders['dpop-nonce']).toMatch(/^[a-z0-9]+\.[A-Za-z0-9_-]{32}$/);
    expect(principal.responseHeaders['dpop-nonce']).not.toBe(nonce);
    expect(principal.responseHeaders['cache-control']).toBe('no-store');
  });

  test('a nonce from one instance is accepted by another sharing the secret (cluster)', async () => {
    const secret = 'cluster-secret-cluster-secret-32';
    const a = await createKit({ dpop: { nonce: { secret } } });
    const b = await createKit({ dpop: { nonce: { secret } } });
    const nonce = (await expectRejection(a.rs, await a.dpopRequest(), NONCE_CHALLENGE)).headers[
      'dpop-nonce'
    ]!;
    await expect(b.rs.verify(await b.dpopRequest({ proof: { nonce } }))).resolves.toBeTruthy();
  });
});

describe('successful decisions', () => {
  test.each(['ES256', 'PS256', 'EdDSA'] as const)(
    'access token and proof signed with %s',
    async (alg) => {
      const key = await createDpopKey(alg);
      const token = await kit.dpopToken({ alg, cnf: { jkt: key.jkt } });
      const principal = await kit.rs.verify(await kit.dpopRequest({ token, proof: { key } }), {
        scopes: ['accounts'],
      });
      expect(principal).toMatchObject({
        subject: 'user-1',
        issuer: ISSUER,
        binding: { kind: 'dpop', jkt: key.jkt },
      });
      expect(principal.scopes).toEqual(['accounts', 'payments']);
    },
  );

  test('returns the mTLS binding with the certificate thumbprint', async () => {
    const principal = await kit.rs.verify(await mtlsRequest(kit));
    expect(principal.binding).toEqual({ kind: 'mtls', x5tS256: cert.x5tS256 });
  });

  test('echoes a client UUID as x-fapi-interaction-id (RS-HDR-01)', async () => {
    const id = 'C0A9E6F4-1B7D-4E4A-9A4B-2B0F0A5C1D2E';
    const principal = await kit.rs.verify(
      await kit.dpopRequest({ headers: { 'x-fapi-interaction-id': id } }),
    );
    expect(principal.interactionId).toBe(id);
    expect(principal.responseHeaders['x-fapi-interaction-id']).toBe(id);
  });

  test('mints an interaction id when the client sent none or a non-UUID (RS-HDR-01)', async () => {
    const error = await expectRejection(
      kit.rs,
      { method: 'GET', url: RESOURCE_URL, headers: { 'x-fapi-interaction-id': 'not a uuid' } },
      { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null },
    );
    expect(error.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.interactionId).toBe(error.headers['x-fapi-interaction-id']);
  });

  test('anyScope passes with one of the scopes and fails with none (RS-GEN-04)', async () => {
    await expect(
      kit.rs.verify(await kit.dpopRequest(), { anyScope: ['admin', 'payments'] }),
    ).resolves.toBeTruthy();
    const error = await expectRejection(
      kit.rs,
      await kit.dpopRequest(),
      { status: 403, error: 'insufficient_scope', scheme: 'DPoP' },
      { anyScope: ['admin', 'audit'] },
    );
    expect(error.headers['www-authenticate']).toContain('scope="admin audit"');
  });

  test('a route requiring mTLS refuses a DPoP-bound token, and the reverse', async () => {
    await expectRejection(
      kit.rs,
      await kit.dpopRequest(),
      { status: 401, code: 'ERR_FAPI_BINDING_REQUIRED', error: 'invalid_token', scheme: 'DPoP' },
      { binding: 'mtls' },
    );
    await expectRejection(
      kit.rs,
      await mtlsRequest(kit),
      { status: 401, code: 'ERR_FAPI_BINDING_REQUIRED', error: 'invalid_token', scheme: 'Bearer' },
      { binding: 'dpop' },
    );
  });

  test("senderConstraint 'optional' lets an unbound Bearer token through (non-FAPI)", async () => {
    const k = await createKit({ senderConstraint: 'optional' });
    const token = await k.authority.mintAccessToken({ now: NOW_S });
    const principal = await k.rs.verify({
      method: 'GET',
      url: RESOURCE_URL,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(principal.binding).toEqual({ kind: 'bearer' });
  });

  test('publicUrl rebuilds htu when the adapter sees an internal URL', async () => {
    const k = await createKit({ publicUrl: 'https://api.bank.test' });
    const request = await k.dpopRequest();
    await expect(
      k.rs.verify({ ...request, url: 'http://10.0.0.5:3000/accounts' }),
    ).resolves.toBeTruthy();
    const other = await k.dpopRequest();
    await expect(k.rs.verify({ ...other, url: '/accounts' })).resolves.toBeTruthy();
  });

  test('publicUrl with a path prefix', async () => {
    const k = await createKit({ publicUrl: 'https://api.bank.test/open-banking/' });
    const request = await k.dpopRequest({
      proof: { htu: 'https://api.bank.test/open-banking/accounts' },
    });
    await expect(k.rs.verify({ ...request, url: '/accounts' })).resolves.toBeTruthy();
  });
});

describe('keys and issuers', () => {
  test('refuses an access token signed with a 1024-bit RSA key (RS-GEN-08)', async () => {
    const weak = await createSigningKey('PS256', { kid: 'weak', modulusLength: 1024 });
    kit.authority.addKey(weak);
    const k = await createKit();
    const rs = createResourceServer({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: kit.authority.jwks(),
      clock: () => NOW_S * 1000,
    });
    kit.authority.removeKey('weak');
    const token = await k.authority.mintAccessToken({
      now: NOW_S,
      key: weak,
      cnf: { jkt: k.dpopKey.jkt },
    });
    await expectRejection(rs, await k.dpopRequest({ token }), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_KEY_TOO_SMALL',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
  });

  test('refuses a DPoP proof signed with a 1024-bit RSA key (RS-GEN-08)', async () => {
    const weak = await createDpopKey('PS256', { modulusLength: 1024 });
    const token = await kit.dpopToken({ cnf: { jkt: weak.jkt } });
    await expectRejection(kit.rs, await kit.dpopRequest({ token, proof: { key: weak } }), {
      status: 401,
      code: 'ERR_FAPI_DPOP_JWK',
      error: 'invalid_dpop_proof',
      scheme: 'DPoP',
    });
  });

  test("keys are pinned per issuer: issuer B's key cannot sign issuer A's tokens (RS-GEN-13)", async () => {
    const b = await createSigningKey('ES256', { kid: 'b-key' });
    const rs = createResourceServer({
      issuer: [
        { issuer: ISSUER, jwks: kit.authority.jwks() },
        { issuer: 'https://as-b.test', jwks: { keys: [b.publicJwk] } },
      ],
      audience: AUDIENCE,
      clock: () => NOW_S * 1000,
    });
    const forged = await kit.dpopToken({ key: b });
    await expectRejection(rs, await kit.dpopRequest({ token: forged }), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
    const fromB = await kit.dpopToken({ key: b, claims: { iss: 'https://as-b.test' } });
    await expect(rs.verify(await kit.dpopRequest({ token: fromB }))).resolves.toMatchObject({
      issuer: 'https://as-b.test',
    });
  });
});

describe('verified-token cache', () => {
  test('verifies the access token signature once, then serves it from the cache', async () => {
    let lookups = 0;
    const keys = {
      generation: 0,
      getKey: async (s: { alg: string; kid?: string }) => {
        lookups += 1;
        const { createPublicKey } = await import('node:crypto');
        return createPublicKey({
          key: kit.authority.key(s.kid ?? s.alg).publicJwk as never,
          format: 'jwk',
        });
      },
    };
    const k = await createKit({ issuer: { issuer: ISSUER, keys }, jwks: undefined } as never);
    const token = await k.dpopToken();
    await k.rs.verify(await k.dpopRequest({ token }));
    await k.rs.verify(await k.dpopRequest({ token }));
    expect(lookups).toBe(1);
    keys.generation += 1;
    await k.rs.verify(await k.dpopRequest({ token }));
    expect(lookups).toBe(2);
  });

  test('a cached token still expires on time (RS-JWT-05)', async () => {
    const k = await createKit();
    const token = await k.dpopToken({ expiresIn: 60 });
    await k.rs.verify(await k.dpopRequest({ token }));
    k.clock.now += 66_000;
    await expectRejection(
      k.rs,
      await k.dpopRequest({ token, proof: { iat: k.clock.now / 1000 } }),
      { status: 401, code: 'ERR_FAPI_TOKEN_EXPIRED', error: 'invalid_token', scheme: 'DPoP' },
    );
  });

  test('a token cached valid is still refused with a bad proof', async () => {
    const token = await kit.dpopToken();
    await kit.rs.verify(await kit.dpopRequest({ token }));
    await expectRejection(kit.rs, await kit.dpopRequest({ token, proof: { htm: 'POST' } }), {
      status: 401,
      code: 'ERR_FAPI_DPOP_HTM_MISMATCH',
    });
  });
});

describe('decision events (audit)', () => {
  test('one event per decision, with no token, proof or key material', async () => {
    const events: DecisionEvent[] = [];
    const k = await createKit({ onDecision: (e) => events.push(e) });
    const ok = await k.dpopRequest({ url: `${RESOURCE_URL}?page=2` });
    await k.rs.verify(ok);
    await k.rs.verify(await k.dpopRequest({ proof: { htm: 'PUT' } })).catch(() => undefined);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      outcome: 'allow',
      status: 200,
      clientId: 'client-1',
      subject: 'user-1',
      binding: 'dpop',
      method: 'GET',
      path: '/accounts',
      issuer: expect.any(String),
      interactionId: expect.any(String),
    });
    expect(Object.keys(events[0]!).sort()).toEqual([
      'binding',
      'clientId',
      'interactionId',
      'issuer',
      'latencyMs',
      'method',
      'outcome',
      'path',
      'status',
      'subject',
    ]);
    expect(events[1]).toMatchObject({
      outcome: 'deny',
      status: 401,
      code: 'ERR_FAPI_DPOP_HTM_MISMATCH',
      error: 'invalid_dpop_proof',
    });
    const text = JSON.stringify(events);
    const headers = ok.headers as Record<string, string>;
    expect(text).not.toContain(headers.authorization!.slice(5, 40));
    expect(text).not.toContain(headers.dpop!.slice(0, 30));
    expect(typeof events[0]!.latencyMs).toBe('number');
  });

  test('a throwing audit hook does not change the decision', async () => {
    const k = await createKit({
      onDecision: () => {
        throw new Error('log sink down');
      },
    });
    await expect(k.rs.verify(await k.dpopRequest())).resolves.toBeTruthy();
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  test('advertises what is enforced', () => {
    expect(kit.rs.metadata({ resource_name: 'Accounts' })).toEqual({
      resource: AUDIENCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['PS256', 'ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: true,
      resource_name: 'Accounts',
    });
  });
});

describe('authorize: more requirements on an already verified principal', () => {
  test('passes when the principal meets them, without touching the proof again', async () => {
    const k = await createKit();
    const principal = await k.rs.verify(await k.dpopRequest());
    expect(() =>
      k.rs.authorize(principal, { scopes: ['payments'], binding: 'dpop' }),
    ).not.toThrow();
  });

  test('refuses with a ready challenge in the principal scheme, and audits it', async () => {
    const events: DecisionEvent[] = [];
    const k = await createKit({ onDecision: (e) => events.push(e) });
    const principal = await k.rs.verify(await k.dpopRequest());
    let error: unknown;
    try {
      k.rs.authorize(principal, { scopes: ['admin'] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ status: 403, code: 'ERR_FAPI_INSUFFICIENT_SCOPE' });
    const { headers } = error as { headers: Record<string, string> };
    expect(headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_scope", .*scope="admin"/,
    );
    expect(headers['x-fapi-interaction-id']).toBe(principal.interactionId);
    expect(events.at(-1)).toMatchObject({
      outcome: 'deny',
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
      clientId: 'client-1',
    });
    expect(() => k.rs.authorize(principal, { binding: 'mtls' })).toThrow(
      expect.objectContaining({ code: 'ERR_FAPI_BINDING_REQUIRED', status: 401 }),
    );
  });
});

describe('mergeRequirements', () => {
  test('combines scopes, keeps one anyScope list and one binding', async () => {
    const { mergeRequirements } = await import('../src/index.js');
    expect(
      mergeRequirements(
        { scopes: ['a'], binding: 'dpop' },
        { scopes: ['a', 'b'], anyScope: ['x', 'y'] },
      ),
    ).toEqual({ scopes: ['a', 'b'], anyScope: ['x', 'y'], binding: 'dpop' });
    expect(() => mergeRequirements({ anyScope: ['a'] }, { anyScope: ['b'] })).toThrow(TypeError);
    expect(() => mergeRequirements({ binding: 'dpop' }, { binding: 'mtls' })).toThrow(TypeError);
  });
});
