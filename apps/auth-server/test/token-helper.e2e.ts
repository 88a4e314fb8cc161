/**
 * The token helper behind `npm run token`: the consent it asks for by default and on request,
 * its argument errors, and (against a spawned dev AS) tokens carrying that consent and acr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { ACR_PASSWORD, ACR_STRONG } from '../src/consent.js';
import { BOB_CREDITOR, DEMO_USER_ACCOUNTS, accountAccess } from '../src/demo-consents.js';
import { ensureAuthServerBuilt, spawnAuthServer, type SpawnedAuthServer } from '../src/spawn.js';
import { parseTokenArgs, runTokenHelper } from '../src/token-helper.js';

const PAYMENT = {
  debtorAccountId: 'acc-5f1c2d8e',
  instructedAmount: { currency: 'GBP', amount: '12.50' },
  creditorAccount: { name: 'Bob Example', iban: BOB_CREDITOR.iban },
  reference: 'Lunch',
};

describe('parseTokenArgs: the consent asked for', () => {
  it('by default, every read action on the user’s demo accounts with scope accounts', () => {
    expect(parseTokenArgs([]).authorizationDetails).toEqual([
      accountAccess(DEMO_USER_ACCOUNTS.alice!),
    ]);
    expect(parseTokenArgs(['--user', 'bob']).authorizationDetails).toEqual([
      {
        type: 'account_access',
        accounts: ['acc-e81a4b37', 'acc-4d9c0a62'],
        actions: ['read_accounts', 'read_balances', 'read_transactions'],
      },
    ]);
    expect(parseTokenArgs(['--scope', 'payments']).authorizationDetails).toEqual([]);
  });

  it('adds the payment a --data body describes, or the --payment amount to Bob Example', () => {
    const paying = parseTokenArgs(['--scope', 'payments', '--data', JSON.stringify(PAYMENT)]);
    expect(paying.authorizationDetails).toEqual([
      {
        type: 'payment_initiation',
        instructedAmount: { currency: 'GBP', amount: '12.50' },
        creditorAccount: { name: 'Bob Example', iban: BOB_CREDITOR.iban },
      },
    ]);
    expect(parseTokenArgs(['--data', '{"note":1}']).authorizationDetails).toHaveLength(1);
    expect(parseTokenArgs(['--payment', '30.00']).authorizationDetails.at(-1)).toEqual({
      type: 'payment_initiation',
      instructedAmount: { currency: 'GBP', amount: '30.00' },
      creditorAccount: { ...BOB_CREDITOR },
    });
  });

  it('--authorization-details replaces the default with exactly the list given', () => {
    const details = [{ type: 'account_access', accounts: ['acc-1'], actions: ['read_accounts'] }];
    const request = parseTokenArgs(['--authorization-details', JSON.stringify(details)]);
    expect(request.authorizationDetails).toEqual(details);
    expect(parseTokenArgs(['--authorization-details', '[]']).authorizationDetails).toEqual([]);
  });

  it.each([
    [['--authorization-details', '[{'], '--authorization-details must be JSON'],
    [['--authorization-details', '{"type":"x"}'], 'must be a JSON array of objects'],
    [['--authorization-details', '[null]'], '--authorization-details[0] must be an object'],
    [['--authorization-details', '[["x"]]'], '--authorization-details[0] must be an object'],
    [['--authorization-details', '[{"type":""}]'], 'with a string "type"'],
    [['--authorization-details', '[{"type":"x"}]', '--payment', '1.00'], 'give one'],
    [['--payment', '12'], '--payment must be an amount like 25.00'],
    [['--acr', 'urn:fapi-guard:acr:strong'], '--acr must be strong'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });
});

describe('runTokenHelper against the dev AS', () => {
  let as: SpawnedAuthServer;
  let stateDir: string;

  beforeAll(async () => {
    ensureAuthServerBuilt();
    stateDir = mkdtempSync(join(tmpdir(), 'token-helper-'));
    as = await spawnAuthServer({ env: { AT_FORMAT: 'jwt' } });
  }, 60_000);

  afterAll(async () => {
    await as?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const run = (...argv: string[]) =>
    runTokenHelper(
      parseTokenArgs([
        '--issuer',
        as.issuer,
        '--state-file',
        join(stateDir, 'state.json'),
        ...argv,
      ]),
    );
  const claims = (authorization: string) => decodeJwt(authorization.split(' ')[1]!);

  it('gets a token carrying the consent and, with --acr strong, the strong acr', async () => {
    const plain = await run('--scope', 'accounts payments', '--payment', '20.00');
    expect(plain.cached).toBe(false);
    expect(claims(plain.authorization)).toMatchObject({
      acr: ACR_PASSWORD,
      authorization_details: [
        expect.objectContaining(accountAccess(DEMO_USER_ACCOUNTS.alice!)),
        expect.objectContaining({ type: 'payment_initiation' }),
      ],
    });

    // Only the acr differs: not the cached token, a new one logged in with the one-time code.
    const strong = await run(
      '--scope',
      'accounts payments',
      '--payment',
      '20.00',
      '--acr',
      'strong',
    );
    expect(strong.cached).toBe(false);
    expect(claims(strong.authorization).acr).toBe(ACR_STRONG);

    const again = await run(
      '--scope',
      'accounts payments',
      '--payment',
      '20.00',
      '--acr',
      'strong',
    );
    expect(again).toMatchObject({ cached: true, authorization: strong.authorization });
  }, 60_000);
});
