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
import { DEMO_ACCOUNTS } from '../../src/store/demo-data.js';
import { ApiClient, oauthError, type Exchange } from '../../src/walkthrough/api-client.js';
import {
  BOB_CREDITOR,
  broadConsent,
  type AuthorizationDetailRequest,
} from '../../src/walkthrough/consents.js';
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

/** A demo user's token and an API client sending it (with its DPoP key or client certificate). */
export interface Session {
  token: AccessTokenResult;
  client: ApiClient;
}

export interface DpopSession extends Session {
  dpopKey: webcrypto.CryptoKeyPair;
}

/** Who signs in where, what they consent to, and the step-up they go through. */
export interface SignIn {
  issuer: string;
  resource: string;
  username?: 'alice' | 'bob';
  /** Default: {@link broadConsent} (every demo account, payments up to 500.00 GBP). */
  authorizationDetails?: AuthorizationDetailRequest[];
  /** `acr_values` asked for at PAR (the strong acr wants `otp` too). */
  acrValues?: string;
  /** The one-time code typed in at the AS's login. */
  otp?: string;
}

/** The client-independent options of the flow: the user, their consent and step-up. */
function userFlow(options: SignIn) {
  const user = fixtures.users.find((u) => u.username === (options.username ?? 'alice'))!;
  return {
    issuer: options.issuer,
    resource: options.resource,
    authorizationDetails: options.authorizationDetails ?? broadConsent(),
    username: user.username,
    password: user.password,
    acrValues: options.acrValues,
    otp: options.otp,
  };
}

/**
 * Signs `username` in with `dpop-client` (PAR, PKCE, private_key_jwt, DPoP) for `resource` and
 * returns the token with a client holding the DPoP key. Close `session.client` when done.
 */
export async function dpopSession(options: SignIn & { scope?: string }): Promise<DpopSession> {
  const dpopKey = await generateDpopKey('ES256');
  const token = await obtainAccessToken({
    ...userFlow(options),
    clientId: fixtures.clients.dpop.clientId,
    clientKey: fixtures.clients.dpop.privateJwk,
    dpopKey,
    ca: CA,
    scope: options.scope ?? 'openid accounts',
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
export async function mtlsSession(options: SignIn): Promise<Session> {
  const tls = { cert: fixtures.clients.mtls.cert, key: fixtures.clients.mtls.key };
  const token = await obtainAccessToken({
    ...userFlow(options),
    clientId: fixtures.clients.mtls.clientId,
    tls: { ...tls, ca: CA },
    scope: 'openid accounts payments',
  });
  const client = new ApiClient({
    accessToken: token.accessToken,
    ca: CA,
    tls,
    signer: MTLS_SIGNER,
  });
  return { token, client };
}

/** The body of a domestic payment of `amount` GBP from `debtorAccountId` to `creditor`. */
export function payment(
  debtorAccountId: string,
  amount = '25.00',
  creditor: { name: string; iban: string } = BOB_CREDITOR,
) {
  return {
    debtorAccountId,
    instructedAmount: { amount, currency: 'GBP' },
    creditorAccount: { ...creditor },
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
