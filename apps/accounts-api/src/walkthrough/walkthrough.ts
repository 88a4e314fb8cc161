/**
 * The walkthrough `npm start` prints: alice signs in with the DPoP demo client (openid-client
 * in apps/auth-server: PAR, PKCE, private_key_jwt, DPoP) and consents to authorization details
 * (RFC 9396), reads her accounts, makes a payment (twice, with one idempotency key) signed with
 * the client's private_key_jwt key (RFC 9421) and checks the API's signed answers, three
 * attacks on DPoP and three on the request signature are shown being refused
 * (signature-steps.ts), and then what the consent allows and refuses, with a step-up (RFC 9470)
 * for a high-value payment (consent-steps.ts). Each
 * request and answer is printed; every expectation is checked and reported in the result.
 */
import { randomUUID, type JsonWebKey } from 'node:crypto';
// The client flow and fixtures of apps/auth-server, without its index (which loads oidc-provider).
import { generateDpopKey, obtainAccessToken } from '../../../auth-server/dist/client-flow.js';
import { DPOP_CLIENT_ID, loadDevFixtures } from '../../../auth-server/dist/fixtures.js';
import * as oauth from 'oauth4webapi';
import { iban } from '../store/demo-data.js';
import { ApiClient, oauthError, type Exchange } from './api-client.js';
import { describeConsent, runConsentSteps, walkthroughConsent } from './consent-steps.js';
import { Printer, abbreviate, peekJwt } from './printer.js';
import {
  checkSignedAnswer,
  fetchApiJwks,
  printEvidence,
  runSignatureAttacks,
  signerOf,
} from './signature-steps.js';

export interface WalkthroughOptions {
  /** Authorization server issuer, e.g. https://127.0.0.1:4000 */
  issuer: string;
  /** The accounts API, e.g. https://127.0.0.1:3000 (also the token's resource/audience). */
  apiUrl: string;
  /** PEM CA trusted for both servers. Default: the dev CA. */
  ca?: string;
  /** Default alice. */
  username?: string;
  /** Where lines go. Default console.log. */
  out?: (line: string) => void;
  /** ANSI colours. Default false. */
  color?: boolean;
}

export interface AttackOutcome {
  name: string;
  expected: { status: number; error: string };
  actual: { status: number; error?: string };
  refused: boolean;
}

export interface WalkthroughResult {
  ok: boolean;
  /** Expectations that did not hold (empty when ok). */
  failures: string[];
  attacks: AttackOutcome[];
  exchanges: Exchange[];
}

/** The creditor of the demo payment: bob's current account. */
const CREDITOR = { name: 'Bob Example', iban: iban('GB', 'FAPG20051563918204') };

interface AccountSummary {
  accountId: string;
  accountSubType: string;
  currency: string;
  nickname: string;
  iban: string;
}

interface TransactionSummary {
  bookingDateTime: string;
  creditDebitIndicator: string;
  amount: { amount: string; currency: string };
  description: string;
  merchantName?: string;
  status: string;
}

/** First and last day of the month before `now`, as YYYY-MM-DD. */
function previousMonth(now: Date): { from: string; to: string } {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

export async function runWalkthrough(options: WalkthroughOptions): Promise<WalkthroughResult> {
  const print = new Printer(options.out ?? ((line) => console.log(line)), options.color ?? false);
  const fixtures = loadDevFixtures();
  const ca = options.ca ?? fixtures.tls.ca;
  const username = options.username ?? 'alice';
  const user = fixtures.users.find((u) => u.username === username);
  if (!user) throw new TypeError(`unknown demo user ${username}`);
  const api = options.apiUrl.replace(/\/$/, '');
  const failures: string[] = [];
  const expect = (ok: boolean, text: string, failure = text): boolean => {
    print.verdict(ok, text);
    if (!ok) failures.push(failure);
    return ok;
  };

  // 1. Sign in.
  print.heading(`1. ${username} signs in: FAPI 2.0 authorization code flow (openid-client)`);
  const dpopKey = await generateDpopKey('ES256');
  const jkt = await oauth.DPoP({}, dpopKey).calculateThumbprint();
  print.note(
    `client ${DPOP_CLIENT_ID} (private_key_jwt), PAR + PKCE S256, DPoP key ES256 (jkt ${jkt})`,
  );
  print.note(`resource ${api}, scope "openid accounts payments"`);
  const consent = walkthroughConsent();
  print.note('authorization_details (what alice consents to):');
  for (const line of describeConsent(consent)) print.note(`  ${line}`);
  print.line();
  const token = await obtainAccessToken({
    issuer: options.issuer,
    clientId: DPOP_CLIENT_ID,
    clientKey: fixtures.clients.dpop.privateJwk,
    dpopKey,
    ca,
    scope: 'openid accounts payments',
    resource: api,
    authorizationDetails: consent,
    username: user.username,
    password: user.password,
    onStep: (step) => print.flowStep(step, options.issuer),
  });
  const claims = token.claims ?? peekJwt(token.accessToken) ?? {};
  const cnf = claims.cnf as { jkt?: string } | undefined;
  print.line();
  print.note(`access token ${abbreviate(token.accessToken)} (token_type ${token.tokenType})`);
  print.note(
    print.dim(
      `claims (decoded for display): sub ${String(claims.sub)}, client_id ` +
        `${String(claims.client_id)}, aud ${String(claims.aud)}, scope "${String(claims.scope)}", ` +
        `cnf.jkt ${String(cnf?.jkt)}, acr ${String(claims.acr)}, ` +
        `authorization_details ${Array.isArray(claims.authorization_details) ? claims.authorization_details.length : 0} elements`,
    ),
  );
  expect(
    token.tokenType === 'DPoP' && cnf?.jkt === jkt,
    'the token is DPoP-bound to our key: it is useless without a proof signed by that key',
    'token not bound to the DPoP key',
  );

  // Payments are signed with the key registered for private_key_jwt (its kid is the keyid).
  const signer = signerOf(fixtures.clients.dpop.privateJwk as JsonWebKey);
  const client = new ApiClient({ accessToken: token.accessToken, dpopKey, ca, signer });
  const signatures = { print, expect, client, api };
  const attacks: AttackOutcome[] = [];
  const exchanges: Exchange[] = [];
  try {
    // 2. Accounts.
    print.heading('2. Read accounts (scope accounts): GET /accounts');
    const list = await client.call('GET', `${api}/accounts`);
    const accounts = ((list.response.body as { data?: AccountSummary[] }).data ?? []).filter(
      Boolean,
    );
    print.exchange(
      list,
      accounts.map(
        (a) => `${a.accountId}  ${a.accountSubType.padEnd(14)} ${a.currency}  ${a.nickname}`,
      ),
    );
    expect(
      list.response.status === 200 && accounts.length > 0,
      `200 with ${accounts.length} accounts of ${username}: those ${username} shared with ${DPOP_CLIENT_ID} and named in the consent`,
      `GET /accounts answered ${list.response.status}`,
    );
    const current = accounts.find((a) => a.accountSubType === 'CurrentAccount') ?? accounts[0];
    if (!current) throw new Error('no account to continue with');

    // 3. Balances.
    print.heading(`3. Balances: GET /accounts/${current.accountId}/balances`);
    const balances = await client.call('GET', `${api}/accounts/${current.accountId}/balances`);
    const balanceLines = (
      (
        balances.response.body as {
          data?: Array<{
            type: string;
            amount: { amount: string; currency: string };
            creditDebitIndicator: string;
          }>;
        }
      ).data ?? []
    ).map(
      (b) =>
        `${b.type.padEnd(17)} ${b.amount.amount} ${b.amount.currency} ${b.creditDebitIndicator}`,
    );
    print.exchange(balances, balanceLines);
    expect(balances.response.status === 200, '200: booked and available balance');

    // 4. Transactions.
    const range = previousMonth(new Date());
    const query = `from=${range.from}&to=${range.to}&pageSize=5`;
    print.heading(`4. Transactions of last month, 5 per page: GET …/transactions?${query}`);
    const transactions = await client.call(
      'GET',
      `${api}/accounts/${current.accountId}/transactions?${query}`,
    );
    const page = transactions.response.body as {
      data?: TransactionSummary[];
      meta?: { page: number; totalPages: number; totalItems: number };
      links?: { next?: string };
    };
    print.exchange(transactions, [
      `page ${page.meta?.page} of ${page.meta?.totalPages} (${page.meta?.totalItems} transactions from ${range.from} to ${range.to}, newest first)`,
      ...(page.data ?? []).map(
        (t) =>
          `${t.bookingDateTime.slice(0, 10)}  ${t.creditDebitIndicator.padEnd(6)} ${t.amount.amount.padStart(9)} ${t.amount.currency}  ${t.description}${t.merchantName ? ` · ${t.merchantName}` : ''}`,
      ),
      ...(page.links?.next ? [print.dim(`next: ${page.links.next}`)] : []),
    ]);
    expect(
      transactions.response.status === 200 && (page.data?.length ?? 0) > 0,
      '200: one page of real transactions, filtered by booking date, with links to the others',
      `GET transactions answered ${transactions.response.status}`,
    );

    // 5. Payment, twice with one idempotency key.
    const idempotencyKey = randomUUID();
    const payment = {
      debtorAccountId: current.accountId,
      instructedAmount: { amount: '25.00', currency: current.currency },
      creditorAccount: CREDITOR,
      reference: 'Dinner',
    };
    print.heading('5. Make a signed payment (scope payments): POST /domestic-payments');
    print.note(
      `signed (RFC 9421, tag fapi-2-request) with ${DPOP_CLIENT_ID}'s private_key_jwt key, keyid ${signer.keyId}`,
    );
    const jwks = await fetchApiJwks(signatures);
    const created = await client.call('POST', `${api}/domestic-payments`, {
      body: payment,
      headers: { 'x-idempotency-key': idempotencyKey },
    });
    const paymentView = (body: unknown) =>
      (body as { data?: { paymentId: string; status: string } }).data;
    const first = paymentView(created.response.body);
    print.exchange(created, [
      `${first?.paymentId} ${first?.status}: 25.00 ${current.currency} from ${current.accountId} to ${CREDITOR.name}`,
    ]);
    expect(created.response.status === 201 && !!first, '201: payment accepted');
    await checkSignedAnswer(signatures, created, jwks);

    print.heading('6. The client retries (say, after a timeout) with the same x-idempotency-key');
    const repeated = await client.call('POST', `${api}/domestic-payments`, {
      body: payment,
      headers: { 'x-idempotency-key': idempotencyKey },
    });
    const second = paymentView(repeated.response.body);
    print.exchange(repeated, [`${second?.paymentId} ${second?.status}`]);
    expect(
      repeated.response.status === 201 &&
        repeated.response.headers['idempotent-replayed'] === 'true' &&
        second?.paymentId === first?.paymentId,
      'the original payment comes back (same paymentId): nothing is paid twice',
      'the repeated payment was not the original one',
    );
    await checkSignedAnswer(signatures, repeated, jwks);

    print.heading(`7. Payment status: GET /domestic-payments/${first?.paymentId ?? '…'}`);
    const status = await client.call('GET', `${api}/domestic-payments/${first?.paymentId}`);
    print.exchange(status, [`${paymentView(status.response.body)?.status}`]);
    expect(status.response.status === 200, '200: status of the payment');
    await checkSignedAnswer(signatures, status, jwks);
    printEvidence(signatures, status);

    // 8. Attacks.
    const attack = async (
      name: string,
      title: string,
      explanation: string,
      run: () => Promise<Exchange>,
      expected: { status: number; error: string },
    ): Promise<void> => {
      print.heading(title);
      print.note(print.dim(explanation));
      const exchange = await run();
      print.exchange(exchange);
      const actual = { status: exchange.response.status, error: oauthError(exchange) };
      const refused = actual.status === expected.status && actual.error === expected.error;
      attacks.push({ name, expected, actual, refused });
      expect(
        refused,
        `refused: ${actual.status} ${actual.error ?? ''}`.trim(),
        `${name}: expected ${expected.status} ${expected.error}, got ${actual.status} ${actual.error ?? ''}`,
      );
    };

    await attack(
      'replayed proof',
      '8. Attack: replay a captured request (same token, same DPoP proof)',
      'An attacker who saw the request of step 2 (a log, a proxy) sends it again, byte for byte.',
      () => client.send(list.request),
      { status: 401, error: 'invalid_dpop_proof' },
    );
    await attack(
      'token as Bearer',
      '9. Attack: present the stolen DPoP-bound token as a plain Bearer token',
      'Without the private key there is no proof; the attacker tries the token alone.',
      () =>
        client.send({
          method: 'GET',
          url: `${api}/accounts`,
          headers: { authorization: `Bearer ${token.accessToken}` },
        }),
      { status: 401, error: 'invalid_token' },
    );
    await attack(
      'proof for another URL',
      '10. Attack: use a proof made for another URL',
      `A fresh, never-used proof signed for GET ${api}/accounts is presented at the transactions URL.`,
      () =>
        client.callRedirected(
          'GET',
          `${api}/accounts`,
          `${api}/accounts/${current.accountId}/transactions`,
        ),
      { status: 401, error: 'invalid_dpop_proof' },
    );

    // 11-13. Forged signatures.
    await runSignatureAttacks({
      ...signatures,
      fixtures,
      debtorAccountId: current.accountId,
      currency: current.currency,
      creditor: CREDITOR,
      first: 11,
      attacks,
    });

    // 14-19. What the consent allows, and a step-up.
    await runConsentSteps({
      print,
      expect,
      client,
      api,
      issuer: options.issuer,
      ca,
      user,
      fixtures,
      debtorAccountId: current.accountId,
      signer,
      first: 14,
      exchanges,
    });
  } finally {
    await client.close();
  }

  print.line();
  if (failures.length === 0) {
    print.line(
      print.green(
        `Walkthrough complete: data for ${username} only, within the consent; two payments, ` +
          `${attacks.length} attacks refused, one step-up.`,
      ),
    );
  } else {
    print.line(print.red(`Walkthrough found ${failures.length} problem(s):`));
    for (const failure of failures) print.line(print.red(`  - ${failure}`));
  }
  return {
    ok: failures.length === 0,
    failures,
    attacks,
    exchanges: [...client.exchanges, ...exchanges],
  };
}
