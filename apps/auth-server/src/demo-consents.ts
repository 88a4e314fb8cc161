/**
 * The authorization details (RFC 9396) the demo clients ask for at PAR: which accounts of the
 * sample API may be read and how, and which payments may be made. Shared by the token helper
 * (`npm run token`), the walkthrough, the cluster demo and the end-to-end tests; the sample
 * API's demo data test checks the account ids and the creditor against its seeded data.
 */
// constants.js, not consent.js: this module must not load oidc-provider into the API's process.
import { ACCOUNT_ACTIONS } from './constants.js';
import type { AuthorizationDetailRequest } from './client-flow.js';

export { ACCOUNT_ACTIONS } from './constants.js';
export type { AuthorizationDetailRequest } from './client-flow.js';

/** The sample API's demo accounts of each demo user (the ids its seeded data uses). */
export const DEMO_USER_ACCOUNTS: Readonly<Record<string, readonly string[]>> = {
  alice: ['acc-5f1c2d8e', 'acc-93b0e4a1', 'acc-2c7d6f90'],
  bob: ['acc-e81a4b37', 'acc-4d9c0a62'],
};

/** The creditor of the demo payments: bob's current account. */
export const BOB_CREDITOR: Readonly<{ name: string; iban: string }> = {
  name: 'Bob Example',
  iban: 'GB39FAPG20051563918204',
};

/**
 * An `account_access` element: `actions` (default every read action) on `accounts`.
 *
 * @example
 * accountAccess(['acc-5f1c2d8e'], ['read_balances']);
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function accountAccess(
  accounts: readonly string[],
  actions: readonly string[] = ACCOUNT_ACTIONS,
): AuthorizationDetailRequest {
  return { type: 'account_access', accounts: [...accounts], actions: [...actions] };
}

/**
 * A `payment_initiation` element: at most `amount` in `currency` to `creditor`.
 *
 * @example
 * paymentInitiation('25.00'); // up to 25.00 GBP to Bob Example
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function paymentInitiation(
  amount: string,
  creditor: { name?: string; iban: string } = BOB_CREDITOR,
  currency = 'GBP',
): AuthorizationDetailRequest {
  return {
    type: 'payment_initiation',
    instructedAmount: { currency, amount },
    creditorAccount: { ...creditor },
  };
}
