/**
 * End-to-end: the compiled dev AS runs in child processes (oidc-provider cannot be constructed
 * inside Jest's ESM VM context); the scripted client flow runs here.
 */
import { createHash, X509Certificate, type webcrypto } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import * as oauth from 'oauth4webapi';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  generateDpopKey,
  introspectToken,
  obtainAccessToken,
  type FlowStep,
} from '../src/client-flow.js';
import { loadDevFixtures } from '../src/fixtures.js';
import { ensureAuthServerBuilt, spawnAuthServer, type SpawnedAuthServer } from '../src/spawn.js';

const fixtures = loadDevFixtures();
const { dpop, mtls } = fixtures.clients;
const API = 'https://127.0.0.1:3443';
const alice = { username: 'alice', password: 'alice-dev-password' };

let jwtServer: SpawnedAuthServer | undefined;
let opaqueServer: SpawnedAuthServer | undefined;
const agent = new Agent({ connect: { ca: fixtures.tls.ca } });

async function getJson<T>(url: string): Promise<T> {
  const response = await undiciFetch(url, { dispatcher: agent });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function verifyAccessToken(issuer: string, token: string, audience: string) {
  const header = decodeProtectedHeader(token);
  expect(header.typ).toBe('at+jwt');
  expect(['PS256', 'ES256']).toContain(header.alg);
  const jwks = await getJson<JSONWebKeySet>(`${issuer}/jwks`);
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer,
    audience,
    typ: 'at+jwt',
    algorithms: ['PS256', 'ES256'],
  });
  expect(payload.aud).toBe(audience);
  expect(String(payload.scope).split(' ')).toContain('accounts');
  expect(payload.sub).toBe('alice');
  return payload;
}

beforeAll(async () => {
  ensureAuthServerBuilt();
  [jwtServer, opaqueServer] = await Promise.all([
    spawnAuthServer({ env: { AT_FORMAT: 'jwt', DPOP_NONCE: '1' } }),
    spawnAuthServer({ env: { AT_FORMAT: 'opaque', AT_ALG: 'ES256' } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([jwtServer?.stop(), opaqueServer?.stop()]);
  await agent.close();
});

describe('dev FAPI 2.0 authorization server', () => {
  it('publishes FAPI 2.0 metadata with the real (ephemeral) port', async () => {
    const issuer = jwtServer!.issuer;
    expect(issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer).not.toMatch(/:0$/);
    const metadata = await getJson<Record<string, unknown>>(
      `${issuer}/.well-known/openid-configuration`,
    );
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.require_pushed_authorization_requests).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual([
      'private_key_jwt',
      'self_signed_tls_client_auth',
    ]);
    expect(metadata.dpop_signing_alg_values_supported).toEqual(['PS256', 'ES256']);
    expect(metadata.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('issues a DPoP-bound JWT access token to the private_key_jwt client (with a nonce retry)', async () => {
    const issuer = jwtServer!.issuer;
    const dpopKey = await generateDpopKey('ES256');
    const steps: FlowStep[] = [];
    const result = await obtainAccessToken({
      issuer,
      clientId: dpop.clientId,
      clientKey: dpop.privateJwk,
      dpopKey,
      scope: 'openid accounts payments',
      resource: API,
      ...alice,
      onStep: (step) => steps.push(step),
    });
    expect(result.tokenType).toBe('DPoP');
    expect(result.expiresIn).toBeGreaterThan(0);
    expect(result.expiresIn).toBeLessThanOrEqual(300);
    const payload = await verifyAccessToken(issuer, result.accessToken, API);
    expect(payload.client_id).toBe(dpop.clientId);
    expect(String(payload.scope).split(' ')).toEqual(
      expect.arrayContaining(['accounts', 'payments']),
    );
    const jkt = await calculateJwkThumbprint(await exportJWK(dpopKey.publicKey));
    expect((payload.cnf as Record<string, unknown>).jkt).toBe(jkt);
    expect(result.claims).toEqual(payload);

    expect(steps.map((s) => `${s.phase} ${s.method} ${s.status}`)).toEqual(
      expect.arrayContaining([
        'discovery GET 200',
        'par POST 201',
        'login POST 303',
        'token POST 200',
      ]),
    );
    // DPOP_NONCE=1: the first PAR is answered with use_dpop_nonce, the client retries once.
    expect(steps.find((s) => s.phase === 'par')).toMatchObject({
      status: 400,
      error: 'use_dpop_nonce',
    });
    expect(result.steps).toEqual(steps);
  });

  it('issues a certificate-bound JWT access token to the self_signed_tls_client_auth client', async () => {
    const issuer = jwtServer!.issuer;
    const result = await obtainAccessToken({
      issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      scope: 'openid accounts',
      resource: API,
      ...alice,
    });
    expect(result.tokenType).toBe('Bearer');
    const payload = await verifyAccessToken(issuer, result.accessToken, API);
    const x5t = createHash('sha256').update(new X509Certificate(mtls.cert).raw).digest('base64url');
    expect(payload.cnf).toEqual({ 'x5t#S256': x5t });
    expect(payload.client_id).toBe(mtls.clientId);
  });

  it('uses the default audience when the client names no resource', async () => {
    const issuer = jwtServer!.issuer;
    const result = await obtainAccessToken({
      issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      scope: 'accounts',
      ...alice,
    });
    await verifyAccessToken(issuer, result.accessToken, 'http://127.0.0.1:3000');
  });

  it('rejects a PAR request without client authentication', async () => {
    const issuer = jwtServer!.issuer;
    const response = await undiciFetch(`${issuer}/request`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: dpop.clientId,
        response_type: 'code',
        redirect_uri: `${issuer}/cb`,
        scope: 'openid accounts',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString(),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('rejects a wrong password and an unknown resource', async () => {
    const issuer = jwtServer!.issuer;
    const base = { issuer, clientId: mtls.clientId, tls: { cert: mtls.cert, key: mtls.key } };
    await expect(
      obtainAccessToken({ ...base, username: 'alice', password: 'wrong' }),
    ).rejects.toThrow(/login failed/);
    await expect(
      obtainAccessToken({ ...base, ...alice, resource: 'https://evil.test/api' }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('issues opaque tokens that the resource-server client introspects with their binding', async () => {
    const issuer = opaqueServer!.issuer;
    const dpopKey = await generateDpopKey('ES256');
    const dpopResult = await obtainAccessToken({
      issuer,
      clientId: dpop.clientId,
      clientKey: dpop.privateJwk,
      dpopKey,
      scope: 'openid accounts',
      resource: API,
      ...alice,
    });
    expect(dpopResult.accessToken.split('.')).toHaveLength(1);
    expect(dpopResult.claims).toBeUndefined();
    const introspected = await introspectToken(dpopResult.accessToken, { issuer });
    expect(introspected).toMatchObject({
      active: true,
      client_id: dpop.clientId,
      sub: 'alice',
      aud: API,
      iss: issuer,
      token_type: 'DPoP',
      cnf: { jkt: await calculateJwkThumbprint(await exportJWK(dpopKey.publicKey)) },
    });
    expect(String(introspected.scope).split(' ')).toContain('accounts');

    const mtlsResult = await obtainAccessToken({
      issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      scope: 'openid accounts',
      resource: API,
      ...alice,
    });
    const x5t = createHash('sha256').update(new X509Certificate(mtls.cert).raw).digest('base64url');
    await expect(introspectToken(mtlsResult.accessToken, { issuer })).resolves.toMatchObject({
      active: true,
      cnf: { 'x5t#S256': x5t },
    });
    await expect(introspectToken('not-a-token', { issuer })).resolves.toMatchObject({
      active: false,
    });

    // RFC 9701: signed introspection response on request (aud = the caller's client_id).
    const fetchWithCa = ((url: string, init: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
    const metadata = await getJson<oauth.AuthorizationServer>(
      `${issuer}/.well-known/openid-configuration`,
    );
    const { rs } = fixtures.clients;
    const response = await oauth.introspectionRequest(
      metadata,
      { client_id: rs.clientId },
      oauth.PrivateKeyJwt({
        key: (await importJWK(rs.privateJwk, 'PS256')) as webcrypto.CryptoKey,
        kid: rs.privateJwk.kid,
      }),
      dpopResult.accessToken,
      { requestJwtResponse: true, [oauth.customFetch]: fetchWithCa },
    );
    expect(response.headers.get('content-type')).toMatch(/^application\/token-introspection\+jwt/);
    const jwks = await getJson<JSONWebKeySet>(`${issuer}/jwks`);
    const { payload, protectedHeader } = await jwtVerify(
      await response.text(),
      createLocalJWKSet(jwks),
      { issuer, audience: rs.clientId, typ: 'token-introspection+jwt' },
    );
    expect(protectedHeader.alg).toBe('PS256');
    expect(payload.token_introspection).toMatchObject({ active: true, token_type: 'DPoP' });
  });
});
