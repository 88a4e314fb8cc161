import { DEMO_ACCOUNTS, DEMO_HISTORY_MONTHS, demoData, iban } from '../src/store/demo-data.js';
import { BOB_CREDITOR, DEMO_USER_ACCOUNTS } from '../../auth-server/src/demo-consents.js';
import { ANCHOR } from './support/fixtures.js';

describe('demo data', () => {
  const data = demoData(ANCHOR);

  it('is deterministic for one anchor', () => {
    expect(demoData(ANCHOR)).toEqual(data);
  });

  it('gives alice three accounts and bob two, with valid IBANs', () => {
    const owners = data.accounts.map((a) => [a.ownerId, a.accountId]);
    expect(owners).toEqual([
      ['alice', DEMO_ACCOUNTS.aliceCurrent],
      ['alice', DEMO_ACCOUNTS.aliceSavings],
      ['alice', DEMO_ACCOUNTS.aliceTravel],
      ['bob', DEMO_ACCOUNTS.bobCurrent],
      ['bob', DEMO_ACCOUNTS.bobSavings],
    ]);
    for (const account of data.accounts) {
      expect(iban(account.iban.slice(0, 2), account.iban.slice(4))).toBe(account.iban);
    }
  });

  it('agrees with the accounts and creditor the demo consents name', () => {
    const owned = (user: string) =>
      data.accounts.filter((a) => a.ownerId === user).map((a) => a.accountId);
    expect(DEMO_USER_ACCOUNTS).toEqual({ alice: owned('alice'), bob: owned('bob') });
    const bobCurrent = data.accounts.find((a) => a.accountId === DEMO_ACCOUNTS.bobCurrent);
    expect(bobCurrent?.iban).toBe(BOB_CREDITOR.iban);
  });

  it(`spreads transactions over the ${DEMO_HISTORY_MONTHS} months before the anchor day`, () => {
    const months = new Set(data.transactions.map((t) => t.bookingDateTime.slice(0, 7)));
    expect([...months].sort()).toEqual([
      '2025-01',
      '2025-02',
      '2025-03',
      '2025-04',
      '2025-05',
      '2025-06',
      '2025-07',
    ]);
    const times = data.transactions.map((t) => Date.parse(t.bookingDateTime));
    expect(Math.max(...times)).toBeLessThan(Date.parse('2025-07-15T00:00:00Z'));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2025-01-15T00:00:00Z'));
  });

  it('keeps every demo account in credit throughout its history', () => {
    for (const account of data.accounts) {
      let balance = account.openingBalanceMinor;
      for (const t of data.transactions.filter((x) => x.accountId === account.accountId)) {
        balance += t.amountMinor;
        expect(balance).toBeGreaterThan(0);
      }
    }
  });

  it("lets mtls-client see alice's GBP accounts only", () => {
    const consent = data.consents.find(
      (c) => c.subject === 'alice' && c.clientId === 'mtls-client',
    );
    expect(consent?.accountIds).toEqual([DEMO_ACCOUNTS.aliceCurrent, DEMO_ACCOUNTS.aliceSavings]);
  });
});
