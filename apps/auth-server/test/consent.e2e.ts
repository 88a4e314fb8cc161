/**
 * End-to-end: Rich Authorization Requests and the two acr values at the dev AS (compiled, in
 * child processes), driven by the scripted client.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  CookieJar,
  generateDpopKey,
  introspectToken,
  obtainAccessToken,
  type AuthorizationDetailRequest,
  type FetchLike,
} from '../src/client-flow.js';
import { ACR_PASSWORD, ACR_STRONG, DEV_ONE_TIME_CODE } from '../src/consent.js';
import { loadDevFixtures } from '../src/fixtures.js';
import { assertSupportedSchema, validateJson, type JsonSchema } from '../src/json-schema.js';
import { ensureAuthServerBuilt, spawnAuthServer, type SpawnedAuthServer } from '../src/spawn.js';

const fixtures = loadDevFixtures();
const { dpop, mtls } = fixtures.clients;
const API = 'https://127.0.0.1:3443';
const alice = { username: 'alice', password: 'alice-dev-password' };
const agent = new Agent({ connect: { ca: fixtures.tls.ca } });

const ACCOUNTS: AuthorizationDetailRequest = {
  type: 'account_access',
  accounts: ['acc-5f1c2d8e'],
  actions: ['read_balances', 'read_transactions'],
};
const PAYMENT: AuthorizationDetailRequest = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '25.00' },
  creditorAccount: { iban: 'GB43FAPG20051563918204', name: 'Bob Example' },
  remittanceInformation: 'Dinner',
};

let jwtServer: SpawnedAuthServer | undefined;
let opaqueServer: SpawnedAuthServer | undefined;
let consentServer: SpawnedAuthServer | undefined;

async function verified(issuer: string, token: string) {
  const response = await undiciFetch(`${issuer}/jwks`, { dispatcher: agent });
  const jwks = (await response.json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer,
    audience: API,
    typ: 'at+jwt',
  });
  return payload;
}

beforeAll(async () => {
  ensureAuthServerBuilt();
  [jwtServer, opaqueServer, consentServer] = await Promise.all([
    spawnAuthServer({ env: { AT_FORMAT: 'jwt' } }),
    spawnAuthServer({ env: { AT_FORMAT: 'opaque' } }),
    spawnAuthServer({ env: { AUTO_CONSENT: '0' } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([jwtServer?.stop(), opaqueServer?.stop(), consentServer?.stop()]);
  await agent.close();
});

describe('authorization details schemas', () => {
  it('refuse a keyword the validator does not implement, so no schema checks less than it says', () => {
    expect(() =>
      assertSupportedSchema({
        type: 'object',
        properties: { amount: { type: 'string', format: 'decimal' } as unknown as JsonSchema },
      }),
    ).toThrow(new TypeError('#/properties/amount: unsupported JSON Schema keyword format'));
    expect(() =>
      assertSupportedSchema({ additionalProperties: true } as unknown as JsonSchema),
    ).toThrow(/additionalProperties must be false/);
  });

  it('accept the documented shapes and name what is wrong in others', async () => {
    const { AUTHORIZATION_DETAILS_SCHEMAS } = await import('../src/consent.js');
    expect(validateJson(AUTHORIZATION_DETAILS_SCHEMAS.account_access!, ACCOUNTS)).toEqual([]);
    expect(validateJson(AUTHORIZATION_DETAILS_SCHEMAS.payment_initiation!, PAYMENT)).toEqual([]);
    expect(
      validateJson(AUTHORIZATION_DETAILS_SCHEMAS.payment_initiation!, {
        ...PAYMENT,
        instructedAmount: { currency: 'gbp', amount: '25' },
        consentId: 'chosen-by-the-client',
      }),
    ).toEqual([
      '#/instructedAmount/currency: must match ^[A-Z]{3}$',
      '#/instructedAmount/amount: must match ^(?!0+\\.00$)\\d{1,13}\\.\\d{2}$',
      '#/consentId: is not allowed',
    ]);
    expect(
      validateJson(AUTHORIZATION_DETAILS_SCHEMAS.account_access!, {
        type: 'account_access',
        accounts: [],
        actions: ['delete_account'],
      }),
    ).toEqual([
      '#/accounts: must have at least 1 items',
      '#/actions/0: must be one of read_accounts, read_balances, read_transactions',
    ]);
  });
});

describe('dev AS: Rich Authorization Requests and acr', () => {
  it('puts the consented details (with the consent id), acr and auth_time in a DPoP-bound JWT', async () => {
    const issuer = jwtServer!.issuer;
    const before = Math.floor(Date.now() / 1000) - 5;
    const result = await obtainAccessToken({
      issuer,
      clientId: dpop.clientId,
      clientKey: dpop.privateJwk,
      dpopKey: await generateDpopKey(),
      scope: 'openid accounts payments',
      resource: API,
      authorizationDetails: [ACCOUNTS, PAYMENT],
      ...alice,
    });
    const payload = await verified(issuer, result.accessToken);
    const details = payload.authorization_details as Record<string, unknown>[];
    expect(details).toEqual([
      { ...ACCOUNTS, consentId: expect.stringMatching(/^cns-[\w-]{16}$/) },
      { ...PAYMENT, consentId: details[0]!.consentId },
    ]);
    expect(result.authorizationDetails).toEqual(details);
    expect(payload.acr).toBe(ACR_PASSWORD);
    expect(payload.auth_time).toBeGreaterThanOrEqual(before);
    expect(payload.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
  });

  it('gives every authorization its own consent id and only its own details', async () => {
    const issuer = jwtServer!.issuer;
    const base = {
      issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      scope: 'openid payments',
      resource: API,
      ...alice,
    };
    const first = await obtainAccessToken({ ...base, authorizationDetails: [PAYMENT] });
    const second = await obtainAccessToken({ ...base, authorizationDetails: [ACCOUNTS] });
    const plain = await obtainAccessToken(base);
    const [a] = (await verified(issuer, first.accessToken)).authorization_details as {
      consentId: string;
    }[];
    const secondDetails = (await verified(issuer, second.accessToken))
      .authorization_details as Record<string, unknown>[];
    expect(secondDetails).toEqual([{ ...ACCOUNTS, consentId: expect.any(String) }]);
    expect(secondDetails[0]!.consentId).not.toBe(a!.consentId);
    expect((await verified(issuer, plain.accessToken)).authorization_details).toBeUndefined();
  });

  it('refuses details that break the schema, or of an unknown type, at PAR', async () => {
    const base = {
      issuer: jwtServer!.issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      resource: API,
      ...alice,
    };
    await expect(
      obtainAccessToken({
        ...base,
        authorizationDetails: [{ ...PAYMENT, instructedAmount: { currency: 'GBP', amount: '-1' } }],
      }),
    ).rejects.toMatchObject({
      error: 'invalid_authorization_details',
      error_description: expect.stringContaining('#/instructedAmount/amount'),
    });
    await expect(
      obtainAccessToken({ ...base, authorizationDetails: [{ type: 'wire_transfer' }] }),
    ).rejects.toMatchObject({ error: 'invalid_authorization_details' });
  });

  it('issues the strong acr for the one-time code and requires it when acr_values asks only for it', async () => {
    const issuer = jwtServer!.issuer;
    const base = {
      issuer,
      clientId: dpop.clientId,
      clientKey: dpop.privateJwk,
      scope: 'openid payments',
      resource: API,
      acrValues: ACR_STRONG,
      ...alice,
    };
    await expect(obtainAccessToken({ ...base, dpopKey: await generateDpopKey() })).rejects.toThrow(
      /login failed for user alice: This authorization needs the one-time code/,
    );
    await expect(
      obtainAccessToken({ ...base, dpopKey: await generateDpopKey(), otp: '000000' }),
    ).rejects.toThrow(/Invalid one-time code/);
    const strong = await obtainAccessToken({
      ...base,
      dpopKey: await generateDpopKey(),
      otp: DEV_ONE_TIME_CODE,
    });
    expect((await verified(issuer, strong.accessToken)).acr).toBe(ACR_STRONG);

    const metadata = (await (
      await undiciFetch(`${issuer}/.well-known/openid-configuration`, { dispatcher: agent })
    ).json()) as Record<string, unknown>;
    expect(metadata.acr_values_supported).toEqual([ACR_PASSWORD, ACR_STRONG]);
    expect(metadata.authorization_details_types_supported).toEqual([
      'account_access',
      'payment_initiation',
    ]);
  });

  it('reuses a password session, but asks for the login again when acr_values needs more (step-up)', async () => {
    const issuer = jwtServer!.issuer;
    const cookies = new CookieJar();
    const base = {
      issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      scope: 'openid payments',
      resource: API,
      cookies,
      ...alice,
    };
    const phases = (steps: { phase: string }[]) => steps.map((s) => s.phase);
    const first = await obtainAccessToken(base);
    expect(phases(first.steps)).toContain('login');
    const reused = await obtainAccessToken(base);
    expect(phases(reused.steps)).not.toContain('login');
    expect((await verified(issuer, reused.accessToken)).acr).toBe(ACR_PASSWORD);
    const stepped = await obtainAccessToken({
      ...base,
      acrValues: ACR_STRONG,
      otp: DEV_ONE_TIME_CODE,
    });
    expect(phases(stepped.steps)).toContain('login');
    expect((await verified(issuer, stepped.accessToken)).acr).toBe(ACR_STRONG);
  });

  it('shows the user what is granted on the consent page (HTML and JSON)', async () => {
    const issuer = consentServer!.issuer;
    const pages: { json: Record<string, unknown>; html: string }[] = [];
    // The transport of the flow, plus: on the consent prompt, the same page as a browser sees it.
    const fetchWithCa = (async (url: string, init: Record<string, unknown>) => {
      const response = await undiciFetch(url, { ...init, dispatcher: agent } as never);
      if (!new URL(url).pathname.startsWith('/interaction/') || response.status !== 200) {
        return response;
      }
      const json = (await response.clone().json()) as Record<string, unknown>;
      if ((json.prompt as { name: string }).name === 'consent') {
        const headers = { ...(init.headers as Record<string, string>), accept: 'text/html' };
        const html = await (
          await undiciFetch(url, { method: 'GET', headers, dispatcher: agent })
        ).text();
        pages.push({ json, html });
      }
      return response;
    }) as unknown as FetchLike;
    const result = await obtainAccessToken({
      issuer,
      clientId: dpop.clientId,
      clientKey: dpop.privateJwk,
      dpopKey: await generateDpopKey(),
      scope: 'openid accounts payments',
      resource: API,
      authorizationDetails: [ACCOUNTS, PAYMENT],
      fetch: fetchWithCa,
      ...alice,
    });
    expect(pages).toHaveLength(1);
    expect(pages[0]!.json.authorization_details).toEqual([ACCOUNTS, PAYMENT]);
    expect(pages[0]!.html).toContain(
      'Read balances, transactions of account(s) <code>acc-5f1c2d8e</code>',
    );
    expect(pages[0]!.html).toContain(
      'Pay up to <strong>25.00 GBP</strong> to Bob Example <code>GB43FAPG20051563918204</code> (Dinner)',
    );
    expect(result.authorizationDetails).toHaveLength(2);
  });

  it('returns the details, acr and auth_time from introspection of an opaque token', async () => {
    const issuer = opaqueServer!.issuer;
    const result = await obtainAccessToken({
      issuer,
      clientId: mtls.clientId,
      tls: { cert: mtls.cert, key: mtls.key },
      scope: 'openid payments',
      resource: API,
      authorizationDetails: [PAYMENT],
      otp: DEV_ONE_TIME_CODE,
      ...alice,
    });
    const introspected = await introspectToken(result.accessToken, { issuer });
    expect(introspected).toMatchObject({
      active: true,
      acr: ACR_STRONG,
      auth_time: expect.any(Number),
      authorization_details: [{ ...PAYMENT, consentId: expect.stringMatching(/^cns-/) }],
    });
  });
});
