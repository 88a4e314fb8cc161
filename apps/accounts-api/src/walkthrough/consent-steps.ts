/**
 * The walkthrough's consent steps: what alice consented to at PAR (RFC 9396 authorization
 * details) decides which account may be read and which payment made, and a high-value payment
 * needs a stronger sign-in (RFC 9470 step-up: a new authorization with `acr_values`).
 */
import { randomUUID, type webcrypto } from 'node:crypto';
// The client flow of apps/auth-server, without its index (which loads oidc-provider).
import { generateDpopKey, obtainAccessToken } from '../../../auth-server/dist/client-flow.js';
import {
  DPOP_CLIENT_ID,
  type DemoUser,
  type DevFixtures,
} from '../../../auth-server/dist/fixtures.js';
import { ACR_STRONG, DEV_ONE_TIME_CODE } from '../../../auth-server/dist/constants.js';
import { DEMO_ACCOUNTS } from '../store/demo-data.js';
import { ApiClient, oauthError, type Exchange, type RequestSigner } from './api-client.js';
import {
  BOB_CREDITOR,
  accountAccess,
  paymentInitiation,
  type AuthorizationDetailRequest,
} from './consents.js';
import type { Printer } from './printer.js';

/** The strong `acr` of the development AS (password and one-time code). */
export const STRONG_ACR = ACR_STRONG;
/** The creditor of the high-value payment. */
export const LANDLORD = { name: 'Landlord Ltd', iban: 'GB82WEST12345698765432' };
/** The high-value payment's amount: above the API's default STRONG_AUTH_THRESHOLD (500.00). */
export const HIGH_VALUE = '750.00';

/**
 * What alice consents to in step 1: two of her three accounts (every action), up to 25.00 GBP
 * to Bob Example, and up to 750.00 GBP to her landlord.
 */
export function walkthroughConsent(): AuthorizationDetailRequest[] {
  return [
    accountAccess([DEMO_ACCOUNTS.aliceCurrent, DEMO_ACCOUNTS.aliceSavings]),
    paymentInitiation('25.00'),
    paymentInitiation(HIGH_VALUE, LANDLORD),
  ];
}

/** One line per element, for the printout. */
export function describeConsent(details: readonly AuthorizationDetailRequest[]): string[] {
  return details.map((d) => {
    if (d.type === 'account_access') {
      return `account_access: accounts ${(d.accounts as string[]).join(', ')}; actions ${(d.actions as string[]).join(', ')}`;
    }
    const amount = d.instructedAmount as { amount: string; currency: string };
    const creditor = d.creditorAccount as { name: string; iban: string };
    return `payment_initiation: up to ${amount.amount} ${amount.currency} to ${creditor.name} ${creditor.iban}`;
  });
}

export interface ConsentStepsContext {
  print: Printer;
  expect: (ok: boolean, text: string, failure?: string) => boolean;
  client: ApiClient;
  api: string;
  issuer: string;
  ca: string;
  user: DemoUser;
  fixtures: DevFixtures;
  debtorAccountId: string;
  /** The client's request-signing key (payments are signed). */
  signer: RequestSigner;
  /** Step numbers start here. */
  first: number;
  /** Exchanges of clients opened here, for the result. */
  exchanges: Exchange[];
}

function payment(debtorAccountId: string, amount: string, creditor: typeof BOB_CREDITOR) {
  return {
    debtorAccountId,
    instructedAmount: { amount, currency: 'GBP' },
    creditorAccount: creditor,
    reference: 'Consented',
  };
}

function refusedAs(exchange: Exchange, status: number, error: string): boolean {
  return exchange.response.status === status && oauthError(exchange) === error;
}

/** Runs the consent steps; every expectation goes through `ctx.expect`. */
export async function runConsentSteps(ctx: ConsentStepsContext): Promise<void> {
  const { print, expect, client, api, debtorAccountId } = ctx;
  let step = ctx.first;
  const heading = (title: string) => print.heading(`${step++}. ${title}`);
  const post = (target: ApiClient, amount: string, creditor: typeof BOB_CREDITOR) =>
    target.call('POST', `${api}/domestic-payments`, {
      body: payment(debtorAccountId, amount, creditor),
      headers: { 'x-idempotency-key': randomUUID() },
    });

  const travel = DEMO_ACCOUNTS.aliceTravel;
  heading(`Consent: read an account alice did not consent to: GET /accounts/${travel}`);
  print.note(print.dim('The account is hers and shared with the client, but not in this consent.'));
  const other = await client.call('GET', `${api}/accounts/${travel}`);
  print.exchange(other);
  expect(
    refusedAs(other, 403, 'insufficient_authorization_details'),
    '403 insufficient_authorization_details: no account_access element names this account',
    `non-consented account answered ${other.response.status} ${oauthError(other) ?? ''}`,
  );

  heading('Consent: pay more than consented (40.00 GBP to Bob Example; consent: 25.00)');
  const above = await post(client, '40.00', BOB_CREDITOR);
  print.exchange(above);
  expect(
    refusedAs(above, 403, 'insufficient_authorization_details'),
    '403 insufficient_authorization_details: no payment_initiation element covers this payment',
    `payment above the consent answered ${above.response.status} ${oauthError(above) ?? ''}`,
  );

  heading(`Step-up: a high-value payment (${HIGH_VALUE} GBP to ${LANDLORD.name}, consented)`);
  print.note(
    print.dim('Above STRONG_AUTH_THRESHOLD the API needs the strong acr; alice used a password.'),
  );
  const challenged = await post(client, HIGH_VALUE, LANDLORD);
  print.exchange(challenged);
  const challenge = String(challenged.response.headers['www-authenticate'] ?? '');
  expect(
    refusedAs(challenged, 401, 'insufficient_user_authentication') &&
      challenge.includes(`acr_values="${STRONG_ACR}"`),
    `401 insufficient_user_authentication, acr_values="${STRONG_ACR}" in the challenge`,
    `high-value payment answered ${challenged.response.status} ${oauthError(challenged) ?? ''}`,
  );

  heading(`Step-up at the authorization server: new authorization with acr_values=${STRONG_ACR}`);
  const details = [paymentInitiation(HIGH_VALUE, LANDLORD)];
  print.note(`authorization_details: ${describeConsent(details).join('; ')}`);
  print.note(
    `alice signs in with her password and the one-time code (DEV ONLY: ${DEV_ONE_TIME_CODE})`,
  );
  print.line();
  const dpopKey: webcrypto.CryptoKeyPair = await generateDpopKey('ES256');
  const stepped = await obtainAccessToken({
    issuer: ctx.issuer,
    clientId: DPOP_CLIENT_ID,
    clientKey: ctx.fixtures.clients.dpop.privateJwk,
    dpopKey,
    ca: ctx.ca,
    scope: 'openid payments',
    resource: api,
    authorizationDetails: details,
    acrValues: STRONG_ACR,
    otp: DEV_ONE_TIME_CODE,
    username: ctx.user.username,
    password: ctx.user.password,
    onStep: (s) => print.flowStep(s, ctx.issuer),
  });
  const acr = stepped.claims?.acr;
  print.line();
  expect(
    acr === STRONG_ACR,
    `the new token carries acr ${String(acr)}`,
    'step-up token without the strong acr',
  );

  heading(`Step-up: the high-value payment again, with the new token`);
  const strongClient = new ApiClient({
    accessToken: stepped.accessToken,
    dpopKey,
    ca: ctx.ca,
    signer: ctx.signer,
  });
  try {
    const paid = await post(strongClient, HIGH_VALUE, LANDLORD);
    const view = (paid.response.body as { data?: { paymentId: string; consentId?: string } }).data;
    print.exchange(paid, [`${view?.paymentId} under consent ${view?.consentId}`]);
    expect(
      paid.response.status === 201 && typeof view?.consentId === 'string',
      '201: paid, the consent id recorded with the payment',
      `stepped-up payment answered ${paid.response.status}`,
    );
  } finally {
    ctx.exchanges.push(...strongClient.exchanges);
    await strongClient.close();
  }
}
