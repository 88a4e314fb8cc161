import type {
  Account,
  BalanceTotals,
  Consent,
  CreatePaymentOutcome,
  Payment,
  PaymentRequest,
  TransactionPage,
  TransactionQuery,
} from './banking.model.js';

/**
 * The data the API serves. The default is `MemoryBankingStore` (seeded demo data); provide your
 * own implementation under {@link BANKING_STORE} to use a database. Methods answer for any
 * account: deciding who may see what is the services' job, not the store's.
 */
export interface BankingStore {
  /** Accounts owned by `ownerId`, in a stable order. */
  listAccounts(ownerId: string): Promise<Account[]>;
  findAccount(accountId: string): Promise<Account | undefined>;
  /** The accounts `subject` shared with `clientId`, if any. */
  findConsent(subject: string, clientId: string): Promise<Consent | undefined>;
  /** One page of an account's transactions, newest first, filtered by booking time. */
  listTransactions(accountId: string, query: TransactionQuery): Promise<TransactionPage>;
  /** Booked and available totals at `at` (epoch ms). */
  balances(accountId: string, at: number): Promise<BalanceTotals>;
  /**
   * Creates the payment and its pending debit, atomically with respect to the idempotency key
   * (scoped to client and subject) and the available-funds check. The same key with the same
   * fingerprint returns the original payment; with another fingerprint it is refused.
   */
  createPayment(request: PaymentRequest): Promise<CreatePaymentOutcome>;
  findPayment(paymentId: string): Promise<Payment | undefined>;
}

/** Injection token of the {@link BankingStore}. */
export const BANKING_STORE = Symbol('BANKING_STORE');
