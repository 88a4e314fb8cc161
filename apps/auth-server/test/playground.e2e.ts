/**
 * The playground's server side at the AS: the hosted JWKS (what it accepts, its bounds), the
 * AS verifying a playground client's assertion with the key it serves there, and CORS only for
 * the page's own origin. The page itself is driven in Chromium by
 * apps/accounts-api/test/playground.e2e.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { ACCOUNT_ACTIONS, ACR_STRONG } from '../src/constants.js';
import {
  accountAccess,
  BOB_CREDITOR,
  DEMO_USER_ACCOUNTS,
  paymentInitiation,
} from '../src/demo-consents.js';
import { loadDevFixtures } from '../src/fixtures.js';
import { PLAYGROUND_MAX_BODY_BYTES, PLAYGROUND_MAX_CLIENTS } from '../src/playground.js';
import { ensureAuthServerBuilt, spawnAuthServer, type SpawnedAuthServer } from '../src/spawn.js';

const agent = new Agent({ connect: { ca: loadDevFixtures().tls.ca } });
let as: SpawnedAuthServer;

beforeAll(async () => {
  ensureAuthServerBuilt();
  as = await spawnAuthServer();
}, 60_000);

afterAll(async () => {
  await as?.stop();
  await agent.close();
});

async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const response = await undiciFetch(`${as.issuer}${path}`, { ...init, dispatcher: agent });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

const register = (body: unknown, type = 'application/json') =>
  call('/playground/clients', {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function newClient(): Promise<{ clientId: string; privateKey: CryptoKey; jwk: object }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const registered = await register({ jwk });
  expect(registered.status).toBe(201);
  return { clientId: registered.body.client_id as string, privateKey, jwk };
}

/** A pushed authorization request of a playground client, with an `Origin` header. */
async function par(
  client: { clientId: string; privateKey: CryptoKey },
  origin: string,
  extra: Record<string, string> = {},
) {
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(as.issuer)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(client.privateKey);
  const verifier = 'v'.repeat(43);
  return call('/request', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      redirect_uri: `${as.issuer}/playground`,
      scope: 'openid accounts',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...extra,
    }).toString(),
  });
}

describe('the playground at the AS', () => {
  it('serves the page with a strict content security policy', async () => {
    const response = await undiciFetch(`${as.issuer}/playground`, { dispatcher: agent });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; " +
        "connect-src 'self' https://127.0.0.1:3000; img-src 'self'; form-action 'self'; " +
        "base-uri 'none'; frame-ancestors 'none'",
    );
    expect(await response.text()).toContain('data-api="https://127.0.0.1:3000"');
  });

  it('embeds the demo values the page builds its authorization details from', async () => {
    const response = await undiciFetch(`${as.issuer}/playground`, { dispatcher: agent });
    const html = await response.text();
    const block = /<script type="application\/json" id="demo-config">([^<]*)<\/script>/.exec(html);
    expect(JSON.parse(block?.[1] ?? 'null')).toEqual({
      accounts: DEMO_USER_ACCOUNTS,
      accountActions: [...ACCOUNT_ACTIONS],
      creditor: BOB_CREDITOR,
      strongAcr: ACR_STRONG,
    });
  });

  it('accepts the authorization details types of the sample API from a playground client', async () => {
    const client = await newClient();
    const details = [accountAccess(DEMO_USER_ACCOUNTS.alice ?? []), paymentInitiation('25.00')];
    const pushed = await par(client, as.issuer, {
      scope: 'openid accounts payments',
      authorization_details: JSON.stringify(details),
    });
    expect(pushed.status).toBe(201);
    const unknownType = await par(client, as.issuer, {
      authorization_details: JSON.stringify([{ type: 'card_access', cards: ['c-1'] }]),
    });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error).toBe('invalid_authorization_details');
  });

  it("registers a public P-256 JWK and serves it at the client's jwks_uri", async () => {
    const { clientId, jwk } = await newClient();
    expect(clientId).toMatch(/^playground-[0-9a-f-]{36}$/);
    const jwks = await call(`/playground/jwks/${clientId}`);
    expect(jwks.status).toBe(200);
    expect(jwks.body).toEqual({ keys: [{ ...jwk, alg: 'ES256', use: 'sig' }] });
  });

  it('verifies the client assertion with the hosted key and accepts the page origin', async () => {
    const client = await newClient();
    const pushed = await par(client, as.issuer);
    expect(pushed.status).toBe(201);
    expect(pushed.body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(pushed.headers.get('access-control-allow-origin')).toBe(as.issuer);
  });

  it('refuses a playground client calling from another origin', async () => {
    const pushed = await par(await newClient(), 'https://evil.example');
    expect(pushed.status).toBe(400);
    expect(pushed.body.error).toBe('invalid_request');
    expect(pushed.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an assertion signed by a key other than the hosted one', async () => {
    const client = await newClient();
    const { privateKey } = await generateKeyPair('ES256');
    const pushed = await par({ clientId: client.clientId, privateKey }, as.issuer);
    expect(pushed.status).toBe(401);
    expect(pushed.body.error).toBe('invalid_client');
  });

  it.each([
    ['a private member', { kty: 'EC', crv: 'P-256', x: 'a'.repeat(43), y: 'b'.repeat(43), d: 'c' }],
    ['an RSA key', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }],
    ['a P-384 key', { kty: 'EC', crv: 'P-384', x: 'a'.repeat(64), y: 'b'.repeat(64) }],
    [
      'another algorithm',
      { kty: 'EC', crv: 'P-256', x: 'a'.repeat(43), y: 'b'.repeat(43), alg: 'ES384' },
    ],
    ['no jwk', { key: {} }],
  ])('refuses a registration with %s (400 invalid_request)', async (_name, jwk) => {
    const refused = await register('key' in jwk ? jwk : { jwk });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
  });

  it('refuses a body that is too large, not JSON, or of another content type', async () => {
    const big = await register({ jwk: { kty: 'EC', pad: 'x'.repeat(PLAYGROUND_MAX_BODY_BYTES) } });
    expect(big.status).toBe(413);
    expect((await register('{')).status).toBe(400);
    expect((await register('{}', 'text/plain')).status).toBe(415);
  });

  it('answers 404 for the JWKS of an unknown client', async () => {
    const unknown = await call(`/playground/jwks/playground-${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
  });

  it(`keeps at most ${PLAYGROUND_MAX_CLIENTS} clients, dropping the oldest`, async () => {
    const first = await newClient();
    const { jwk } = first;
    for (let i = 0; i < PLAYGROUND_MAX_CLIENTS; i += 1) {
      expect((await register({ jwk })).status).toBe(201);
    }
    expect((await call(`/playground/jwks/${first.clientId}`)).status).toBe(404);
    expect((await par(first, as.issuer)).body.error).toBe('invalid_client');
  }, 60_000);
});
