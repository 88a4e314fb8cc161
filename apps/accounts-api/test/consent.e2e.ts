/**
 * End to end, consent-level authorization: the dev authorization server grants authorization
 * details (RFC 9396) and an authentication level (`acr`), the accounts API enforces them. The
 * same steps for the DPoP client and for the mTLS client: a consented account is read, another
 * one is refused, a payment within the consent passes and one above it is refused, a
 * high-value payment is challenged for the strong acr, and passes after the step-up.
 */
import { randomUUID } from 'node:crypto';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import type { ApiClient, Exchange } from '../src/walkthrough/api-client.js';
import {
  BOB_CREDITOR,
  accountAccess,
  paymentInitiation,
  type AuthorizationDetailRequest,
} from '../src/walkthrough/consents.js';
import { demoBank } from './support/demo-bank.js';
import { accountIds, body, expectRefused, payment } from './support/sessions.js';

const STRONG = 'urn:fapi-guard:acr:strong';
const LANDLORD = { name: 'Landlord Ltd', iban: 'GB82WEST12345698765432' };
const { aliceCurrent, aliceSavings } = DEMO_ACCOUNTS;

// A low threshold keeps both clients' payments within alice's balance.
const bank = demoBank({}, { api: { STRONG_AUTH_THRESHOLD: '100.00' } });

/** What alice consents to first: one account, two actions, two payments. */
const CONSENT: AuthorizationDetailRequest[] = [
  accountAccess([aliceCurrent], ['read_accounts', 'read_balances']),
  paymentInitiation('25.00'),
  paymentInitiation('120.00', LANDLORD),
];

type Flavour = 'dpop' | 'mtls';

/** Alice signs in with the client of `flavour`; `strong` adds the one-time code and acr_values. */
async function session(
  flavour: Flavour,
  authorizationDetails: AuthorizationDetailRequest[],
  strong = false,
): Promise<{ client: ApiClient; details: Record<string, unknown>[] }> {
  const signIn = { authorizationDetails, ...(strong ? { acrValues: STRONG, otp: '246810' } : {}) };
  const { client, token } =
    flavour === 'dpop'
      ? await bank.dpopSession('alice', signIn)
      : await bank.mtlsSession('alice', signIn);
  return { client, details: (token.authorizationDetails ?? []) as Record<string, unknown>[] };
}

function pay(client: ApiClient, amount: string, creditor = BOB_CREDITOR): Promise<Exchange> {
  return client.call('POST', `${bank.api.url}/domestic-payments`, {
    headers: { 'x-idempotency-key': randomUUID() },
    body: payment(aliceCurrent, amount, creditor),
  });
}

describe.each<Flavour>(['dpop', 'mtls'])('consent-level authorization (%s client)', (flavour) => {
  let first: Awaited<ReturnType<typeof session>>;
  beforeAll(async () => {
    first = await session(flavour, CONSENT);
  }, 30_000);

  it('lists and reads only the consented account', async () => {
    const list = await first.client.call('GET', `${bank.api.url}/accounts`);
    expect(list.response.status).toBe(200);
    expect(accountIds(list)).toEqual([aliceCurrent]);
    const balances = await first.client.call(
      'GET',
      `${bank.api.url}/accounts/${aliceCurrent}/balances`,
    );
    expect(balances.response.status).toBe(200);
  });

  it('refuses an account outside the consent, and an action it does not grant (403)', async () => {
    const other = await first.client.call(
      'GET',
      `${bank.api.url}/accounts/${aliceSavings}/balances`,
    );
    expectRefused(other, 403, 'insufficient_authorization_details');
    // The challenge names the error only: no account id, no request data.
    expect(other.response.headers['www-authenticate']).not.toContain(aliceSavings);
    const transactions = await first.client.call(
      'GET',
      `${bank.api.url}/accounts/${aliceCurrent}/transactions`,
    );
    expectRefused(transactions, 403, 'insufficient_authorization_details');
  });

  it('pays within the consent (201) and records the consent id with the payment', async () => {
    const created = await pay(first.client, '25.00');
    expect(created.response.status).toBe(201);
    const consentId = first.details[0]!.consentId;
    expect(consentId).toEqual(expect.stringMatching(/^cns-/));
    expect(body(created).data.consentId).toBe(consentId);
    const read = await first.client.call('GET', String(created.response.headers.location));
    expect(body(read).data.consentId).toBe(consentId);
  });

  it('refuses a payment above the consented amount, or to another creditor (403)', async () => {
    expectRefused(await pay(first.client, '25.01'), 403, 'insufficient_authorization_details');
    expectRefused(
      await pay(first.client, '10.00', { name: 'Mallory', iban: 'GB33BUKB20201555555555' }),
      403,
      'insufficient_authorization_details',
    );
  });

  it('pays exactly the threshold with the password acr (201) and challenges a cent more (401)', async () => {
    const atThreshold = await pay(first.client, '100.00', LANDLORD);
    expect(atThreshold.response.status).toBe(201);
    const above = await pay(first.client, '100.01', LANDLORD);
    expectRefused(above, 401, 'insufficient_user_authentication');
    const error =
      'error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:fapi-guard:acr:strong"';
    const metadata = `resource_metadata="${bank.api.url}/.well-known/oauth-protected-resource"`;
    expect(above.response.headers['www-authenticate']).toBe(
      flavour === 'dpop'
        ? `DPoP ${error}, algs="PS256 ES256", ${metadata}, Bearer ${metadata}`
        : `Bearer ${error}, ${metadata}, DPoP algs="PS256 ES256", ${metadata}`,
    );
  });

  it('challenges a payment above the threshold for the strong acr (401), then pays after the step-up', async () => {
    const challenged = await pay(first.client, '120.00', LANDLORD);
    expectRefused(challenged, 401, 'insufficient_user_authentication');
    expect(challenged.response.headers['www-authenticate']).toMatch(
      new RegExp(
        `^${flavour === 'dpop' ? 'DPoP' : 'Bearer'} .*acr_values="urn:fapi-guard:acr:strong"`,
      ),
    );

    const stepped = await session(flavour, [paymentInitiation('120.00', LANDLORD)], true);
    const paid = await pay(stepped.client, '120.00', LANDLORD);
    expect(paid.response.status).toBe(201);
    expect(body(paid).data.consentId).toBe(stepped.details[0]!.consentId);
    expect(stepped.details[0]!.consentId).not.toBe(first.details[0]!.consentId);
  }, 30_000);
});
