/**
 * Helpers of the end-to-end tests: a DPoP-bound or certificate-bound token for a demo user from
 * the dev authorization server, an API client holding its key or certificate, a payment body,
 * and readers of answers.
 */
import { randomUUID, type JsonWebKey, type webcrypto } from 'node:crypto';
import {
  generateDpopKey,
  obtainAccessToken,
  type AccessTokenResult,
} from '../../../auth-server/src/client-flow.js';
import { loadDevFixtures } from '../../../auth-server/src/fixtures.js';
import { DEMO_ACCOUNTS, iban } from '../../src/store/demo-data.js';
import { ApiClient, oauthError, type Exchange } from '../../src/walkthrough/api-client.js';
import { broadConsent } from '../../src/walkthrough/consents.js';
import { signerOf } from '../../src/walkthrough/signature-steps.js';
import type { SpawnedApi } from './servers.js';

export const fixtures = loadDevFixtures();
/** The demo clients' request-signing keys, as registered at the AS (payments are signed). */
export const DPOP_SIGNER = signerOf(fixtures.clients.dpop.privateJwk as JsonWebKey);
export const MTLS_SIGNER = signerOf(fixtures.clients.mtls.signingJwk as JsonWebKey);
export const CA = fixtures.tls.ca;
export const ALICE_ACCOUNTS = [
  DEMO_ACCOUNTS.aliceCurrent,
  DEMO_ACCOUNTS.aliceSavings,
  DEMO_ACCOUNTS.aliceTravel,
];
export const BOB_ACCOUNTS = [DEMO_ACCOUNTS.bobCurrent, DEMO_ACCOUNTS.bobSavings];
const BOB_IBAN = iban('GB', 'FAPG20051563918204');

/** A demo user's token and an API client sending it (with its DPoP key or client certificate). */
export interface Session {
  token: AccessTokenResult;
  client: ApiClient;
}

export interface DpopSession extends Session {
  dpopKey: webcrypto.CryptoKeyPair;
}

/**
 * Signs `username` in with `dpop-client` (PAR, PKCE, private_key_jwt, DPoP) for `resource` and
 * returns the token with a client holding the DPoP key. Close `session.client` when done.
 */
export async function dpopSession(options: {
  issuer: string;
  resource: string;
  username?: 'alice' | 'bob';
  scope?: string;
}): Promise<DpopSession> {
  const user = fixtures.users.find((u) => u.username === (options.username ?? 'alice'))!;
  const dpopKey = await generateDpopKey('ES256');
  const token = await obtainAccessToken({
    issuer: options.issuer,
    clientId: fixtures.clients.dpop.clientId,
    clientKey: fixtures.clients.dpop.privateJwk,
    dpopKey,
    ca: CA,
    scope: options.scope ?? 'openid accounts',
    resource: options.resource,
    authorizationDetails: broadConsent(),
    username: user.username,
    password: user.password,
  });
  const client = new ApiClient({
    accessToken: token.accessToken,
    dpopKey,
    ca: CA,
    signer: DPOP_SIGNER,
  });
  return { token, dpopKey, client };
}

/**
 * Signs `username` in with `mtls-client` (self_signed_tls_client_auth with its certificate) for
 * `resource`, scope `openid accounts payments`, and returns the certificate-bound token with a
 * client presenting that certificate. Close `session.client` when done.
 */
export async function mtlsSession(options: {
  issuer: string;
  resource: string;
  username?: 'alice' | 'bob';
}): Promise<Session> {
  const user = fixtures.users.find((u) => u.username === (options.username ?? 'alice'))!;
  const tls = { cert: fixtures.clients.mtls.cert, key: fixtures.clients.mtls.key };
  const token = await obtainAccessToken({
    issuer: options.issuer,
    clientId: fixtures.clients.mtls.clientId,
    tls: { ...tls, ca: CA },
    scope: 'openid accounts payments',
    resource: options.resource,
    authorizationDetails: broadConsent(),
    username: user.username,
    password: user.password,
  });
  const client = new ApiClient({
    accessToken: token.accessToken,
    ca: CA,
    tls,
    signer: MTLS_SIGNER,
  });
  return { token, client };
}

/** The body of a domestic payment of `amount` GBP from `debtorAccountId` to Bob. */
export function payment(debtorAccountId: string, amount = '25.00') {
  return {
    debtorAccountId,
    instructedAmount: { amount, currency: 'GBP' },
    creditorAccount: { name: 'Bob Example', iban: BOB_IBAN },
    reference: 'Dinner',
  };
}

// The assertions read JSON answers loosely; their shapes are checked by the assertions themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const body = (exchange: Exchange) => exchange.response.body as Record<string, any>;

export const accountIds = (exchange: Exchange) =>
  (body(exchange).data as Array<{ accountId: string }>).map((a) => a.accountId);

/** The claims of a DPoP proof (decoded, not verified). */
export function proofClaims(proof: string | undefined): Record<string, unknown> {
  const payload = proof?.split('.')[1];
  if (!payload) throw new Error('no DPoP proof');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Status, `error` in the challenge and the body, and `Cache-Control: no-store`. */
export function expectRefused(exchange: Exchange, status: number, error: string): void {
  expect({ status: exchange.response.status, error: oauthError(exchange) }).toEqual({
    status,
    error,
  });
  expect(body(exchange).error).toBe(error);
  expect(exchange.response.headers['cache-control']).toBe('no-store');
}

/** Interaction ids of the marker requests of {@link settledAuditLines}. */
const MARKERS = new Set<string>();

/**
 * The audit trail of `api` once the lines of every request answered so far have arrived: the API
 * writes a request's lines before it answers and its stdout in order, so a marker request sent
 * now (no token, its own interaction id) is audited after them all. Markers' lines are left out.
 */
export async function settledAuditLines(api: SpawnedApi): Promise<Array<Record<string, unknown>>> {
  const marker = randomUUID();
  MARKERS.add(marker);
  const client = new ApiClient({ accessToken: '', ca: CA });
  try {
    await client.send({
      method: 'GET',
      url: `${api.listenUrl}/accounts`,
      headers: { 'x-fapi-interaction-id': marker },
    });
  } finally {
    await client.close();
  }
  await api.waitForAuditLine((line) => line.interactionId === marker);
  return api.auditLines().filter((line) => !MARKERS.has(line.interactionId as string));
}

/** Runs `call` and returns what it sent: one exchange, or two after a `use_dpop_nonce` retry. */
export async function exchangesOf(
  client: ApiClient,
  call: () => Promise<unknown>,
): Promise<Exchange[]> {
  const before = client.exchanges.length;
  await call();
  return client.exchanges.slice(before);
}
