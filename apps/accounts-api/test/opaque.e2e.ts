/**
 * Opaque access tokens end to end: the dev authorization server issues opaque DPoP-bound tokens
 * (AT_FORMAT=opaque); the accounts API introspects them (INTROSPECTION=1) as `rs-client` with
 * private_key_jwt, with plain JSON answers and with signed ones (INTROSPECTION_JWT=1, RFC 9701).
 * The binding is still checked by the API: the three attacks fail as with JWTs. A token revoked
 * at the AS is refused once the introspection cache (INTROSPECTION_CACHE_SECONDS=1) lets go.
 */
import type { webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import { importJWK } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { demoBank } from './support/demo-bank.js';
import type { SpawnedApi } from './support/servers.js';
import {
  ALICE_ACCOUNTS,
  CA,
  accountIds,
  body,
  expectRefused,
  fixtures,
  settledAuditLines,
  type DpopSession,
} from './support/sessions.js';

/** Cache lifetime of introspection results in these tests, seconds. */
const CACHE_SECONDS = 1;

const INTROSPECTION = {
  INTROSPECTION: '1',
  INTROSPECTION_CACHE_SECONDS: String(CACHE_SECONDS),
};
// `api` with JSON introspection responses, `signed` with signed ones.
const bank = demoBank(
  { signed: { ...INTROSPECTION, INTROSPECTION_JWT: '1' } },
  { as: { AT_FORMAT: 'opaque' }, api: INTROSPECTION },
);

const session = (api: SpawnedApi, username: 'alice' | 'bob' = 'alice') =>
  bank.dpopSession(username, { scope: 'openid accounts', target: api });

/** RFC 7009 revocation by the token's own client (dpop-client, private_key_jwt). */
async function revoke(token: string): Promise<void> {
  const agent = new Agent({ connect: { ca: CA } });
  const { privateJwk } = fixtures.clients.dpop;
  try {
    const config = await oidc.discovery(
      new URL(bank.as.issuer),
      fixtures.clients.dpop.clientId,
      undefined,
      oidc.PrivateKeyJwt({
        key: (await importJWK(privateJwk, privateJwk.alg ?? 'ES256')) as webcrypto.CryptoKey,
        ...(privateJwk.kid ? { kid: privateJwk.kid } : {}),
      }),
      {
        [oidc.customFetch]: (url, init) =>
          undiciFetch(url, {
            ...(init as Parameters<typeof undiciFetch>[1]),
            dispatcher: agent,
          }) as unknown as Promise<Response>,
      },
    );
    await oidc.tokenRevocation(config, token, { token_type_hint: 'access_token' });
  } finally {
    await agent.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['JSON introspection responses', () => bank.api],
  ['signed introspection responses (INTROSPECTION_JWT=1)', () => bank.others.signed],
])('opaque DPoP-bound tokens, %s', (_name, target) => {
  let api: SpawnedApi;
  let alice: DpopSession;
  beforeAll(async () => {
    api = target();
    alice = await session(api);
  }, 30_000);

  it("reads alice's accounts, and only hers", async () => {
    expect(alice.token.tokenType).toBe('DPoP');
    expect(alice.token.accessToken.split('.')).toHaveLength(1);
    const list = await alice.client.call('GET', `${api.url}/accounts`);
    expect(list.response.status).toBe(200);
    expect(accountIds(list)).toEqual(ALICE_ACCOUNTS);
    const bobs = await alice.client.call('GET', `${api.url}/accounts/${DEMO_ACCOUNTS.bobCurrent}`);
    expect(bobs.response.status).toBe(404);
    expect((await settledAuditLines(api)).at(-2)).toMatchObject({
      outcome: 'allow',
      subject: 'alice',
      clientId: 'dpop-client',
      binding: 'dpop',
    });
  });

  it('refuses a replayed request (same DPoP proof): 401 invalid_dpop_proof', async () => {
    const original = await alice.client.call('GET', `${api.url}/accounts`);
    expect(original.response.status).toBe(200);
    const replay = await alice.client.send(original.request);
    expectRefused(replay, 401, 'invalid_dpop_proof');
    expect(body(replay).error_description).toBe('DPoP proof was already used');
  });

  it('refuses the DPoP-bound token presented as Bearer: 401 invalid_token', async () => {
    const downgrade = await alice.client.send({
      method: 'GET',
      url: `${api.url}/accounts`,
      headers: { authorization: `Bearer ${alice.token.accessToken}` },
    });
    expectRefused(downgrade, 401, 'invalid_token');
    expect(downgrade.response.headers['www-authenticate']).toMatch(
      /^Bearer error="invalid_token", error_description="A DPoP-bound access token must use the DPoP scheme"/,
    );
  });

  it('refuses a fresh proof made for another URL: 401 invalid_dpop_proof', async () => {
    const misdirected = await alice.client.callRedirected(
      'GET',
      `${api.url}/accounts`,
      `${api.url}/accounts/${DEMO_ACCOUNTS.aliceCurrent}/balances`,
    );
    expectRefused(misdirected, 401, 'invalid_dpop_proof');
    expect(body(misdirected).error_description).toBe(
      'DPoP proof htu does not match the request URI',
    );
  });

  it('refuses a token revoked at the AS once the introspection cache expires: 401 invalid_token', async () => {
    const victim = await session(api, 'bob');
    const before = await victim.client.call('GET', `${api.url}/accounts`);
    expect(before.response.status).toBe(200);
    await revoke(victim.token.accessToken);
    // The result cached at the first call lives at most CACHE_SECONDS.
    await sleep(CACHE_SECONDS * 1000 + 200);
    const after = await victim.client.call('GET', `${api.url}/accounts`);
    expectRefused(after, 401, 'invalid_token');
    expect(body(after).error_description).toBe('The access token is not active');
    expect((await settledAuditLines(api)).at(-1)).toMatchObject({
      outcome: 'deny',
      code: 'ERR_FAPI_TOKEN_INACTIVE',
    });
    // alice's token is untouched.
    expect((await alice.client.call('GET', `${api.url}/accounts`)).response.status).toBe(200);
  });
});
