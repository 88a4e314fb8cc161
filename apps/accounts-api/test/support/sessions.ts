/**
 * Helpers of the cluster and opaque-token end-to-end tests: a DPoP-bound token for a demo user
 * from the dev authorization server, an API client holding its key, and readers of answers.
 */
import type { JsonWebKey, webcrypto } from 'node:crypto';
import {
  generateDpopKey,
  obtainAccessToken,
  type AccessTokenResult,
} from '../../../auth-server/src/client-flow.js';
import { loadDevFixtures } from '../../../auth-server/src/fixtures.js';
import { DEMO_ACCOUNTS } from '../../src/store/demo-data.js';
import { ApiClient, oauthError, type Exchange } from '../../src/walkthrough/api-client.js';
import { broadConsent } from '../../src/walkthrough/consents.js';
import { signerOf } from '../../src/walkthrough/signature-steps.js';

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

export interface DpopSession {
  token: AccessTokenResult;
  dpopKey: webcrypto.CryptoKeyPair;
  client: ApiClient;
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

/** Runs `call` and returns what it sent: one exchange, or two after a `use_dpop_nonce` retry. */
export async function exchangesOf(
  client: ApiClient,
  call: () => Promise<unknown>,
): Promise<Exchange[]> {
  const before = client.exchanges.length;
  await call();
  return client.exchanges.slice(before);
}
