/**
 * The authorization details (RFC 9396) the demo clients ask for at PAR: which accounts may be
 * read and how, and which payments may be made. Used by the walkthrough, the cluster demo and
 * the end-to-end tests.
 */
import { DEMO_ACCOUNTS, iban } from '../store/demo-data.js';

/** One requested authorization details element. */
export interface AuthorizationDetailRequest {
  type: string;
  [member: string]: unknown;
}

/** Every action an `account_access` element can grant. */
export const ACCOUNT_ACTIONS = ['read_accounts', 'read_balances', 'read_transactions'] as const;

/** The creditor of the demo payments. */
export const BOB_CREDITOR = { name: 'Bob Example', iban: iban('GB', 'FAPG20051563918204') };

/** Every demo account (the API's ownership and sharing checks still apply to each). */
export const ALL_DEMO_ACCOUNTS: readonly string[] = Object.values(DEMO_ACCOUNTS);

/**
 * An `account_access` element.
 *
 * @example
 * accountAccess(['acc-5f1c2d8e'], ['read_balances']);
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
 */
export function paymentInitiation(
  amount: string,
  creditor: { name: string; iban: string } = BOB_CREDITOR,
  currency = 'GBP',
): AuthorizationDetailRequest {
  return {
    type: 'payment_initiation',
    instructedAmount: { currency, amount },
    creditorAccount: { ...creditor },
  };
}

/**
 * A broad demo consent: every action on every demo account, and payments of up to 500.00 GBP
 * to Bob Example (the strong-authentication threshold's default, so no step-up is needed).
 */
export function broadConsent(): AuthorizationDetailRequest[] {
  return [accountAccess(ALL_DEMO_ACCOUNTS), paymentInitiation('500.00')];
}
