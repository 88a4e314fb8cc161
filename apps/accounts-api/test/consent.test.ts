import { loadConfig } from '../src/config/app-config.js';
import {
  consentIdOf,
  consentedAccountIds,
  coversPayment,
  namesPathAccount,
} from '../src/security/consent.js';

const ELEMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'GBP', amount: '25.00' },
  creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
};

function body(amount: string, overrides: Record<string, unknown> = {}) {
  return {
    debtorAccountId: 'acc-1',
    instructedAmount: { amount, currency: 'GBP' },
    creditorAccount: { name: 'Bob', iban: 'gb39 fapg 2005 1563 9182 04' },
    reference: 'Dinner',
    ...overrides,
  };
}

describe('payment consent (payment_initiation element against the body)', () => {
  it('covers the same currency and creditor up to the consented amount', () => {
    expect(coversPayment(ELEMENT, { body: body('25.00') })).toBe(true);
    expect(coversPayment(ELEMENT, { body: body('0.01') })).toBe(true);
    expect(coversPayment(ELEMENT, { body: body('25.01') })).toBe(false);
    expect(coversPayment(ELEMENT, { body: body('100.00') })).toBe(false);
  });

  it('never covers another currency or another creditor', () => {
    expect(
      coversPayment(ELEMENT, {
        body: body('1.00', { instructedAmount: { amount: '1.00', currency: 'EUR' } }),
      }),
    ).toBe(false);
    expect(
      coversPayment(ELEMENT, {
        body: body('1.00', { creditorAccount: { name: 'Bob', iban: 'GB33BUKB20201555555555' } }),
      }),
    ).toBe(false);
  });

  it('holds the reference to the consented remittance information when there is one', () => {
    const withRemittance = { ...ELEMENT, remittanceInformation: 'Dinner' };
    expect(coversPayment(withRemittance, { body: body('5.00') })).toBe(true);
    expect(coversPayment(withRemittance, { body: body('5.00', { reference: 'Rent' }) })).toBe(
      false,
    );
  });

  it('answers false, never throws, for elements and bodies of any other shape', () => {
    for (const broken of [
      { type: 'payment_initiation' },
      { ...ELEMENT, instructedAmount: { currency: 'GBP', amount: 25 } },
      { ...ELEMENT, instructedAmount: 'lots' },
      { ...ELEMENT, creditorAccount: null },
    ]) {
      expect(coversPayment(broken, { body: body('1.00') })).toBe(false);
    }
    for (const request of [undefined, null, 'text', [], { instructedAmount: null }, body('1e1')]) {
      expect(coversPayment(ELEMENT, { body: request })).toBe(false);
    }
  });
});

describe('account consent and consent id', () => {
  const access = { type: 'account_access', accounts: ['acc-1', 'acc-2'], actions: [] };

  it('names the accounts of the account_access elements only', () => {
    expect([...consentedAccountIds([access, ELEMENT, { type: 'account_access' }])]).toEqual([
      'acc-1',
      'acc-2',
    ]);
    expect(namesPathAccount(access, { params: { accountId: 'acc-2' } })).toBe(true);
    expect(namesPathAccount(access, { params: { accountId: 'acc-3' } })).toBe(false);
    expect(namesPathAccount({ type: 'account_access' }, { params: { accountId: 'acc-1' } })).toBe(
      false,
    );
  });

  it('reads the consent id the AS added, and nothing else', () => {
    expect(consentIdOf({ ...ELEMENT, consentId: 'cns-1' })).toBe('cns-1');
    expect(consentIdOf({ ...ELEMENT, consentId: 42 })).toBeUndefined();
    expect(consentIdOf(undefined)).toBeUndefined();
  });
});

describe('STRONG_AUTH_THRESHOLD', () => {
  it('defaults to 500.00 and takes an amount with two fraction digits', () => {
    expect(loadConfig({}).strongAuthThresholdMinor).toBe(500_00);
    expect(loadConfig({ STRONG_AUTH_THRESHOLD: '100.00' }).strongAuthThresholdMinor).toBe(100_00);
    expect(() => loadConfig({ STRONG_AUTH_THRESHOLD: '100' })).toThrow(/STRONG_AUTH_THRESHOLD/);
  });
});
