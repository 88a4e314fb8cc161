import { randomUUID } from 'node:crypto';
import type {
  Account,
  BalanceTotals,
  Consent,
  CreatePaymentOutcome,
  Payment,
  PaymentRequest,
  RequestSignatureRecord,
  Transaction,
  TransactionPage,
  TransactionQuery,
} from './banking.model.js';
import type { BankingStore } from './banking.store.js';
import { demoData, type DemoData } from './demo-data.js';
import { consentClientId } from './playground-consent.js';

/** How long an idempotency key is remembered (24 h, as open-banking APIs commonly do). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

interface IdempotencyRecord {
  paymentId: string;
  fingerprint: string;
  expiresAt: number;
}

/**
 * The embedded default store: everything in memory, seeded with {@link demoData}, lost on
 * restart. Each method runs without yielding between its checks and its writes, so concurrent
 * requests cannot create two payments for one idempotency key or overdraw an account.
 */
export class MemoryBankingStore implements BankingStore {
  readonly #accounts = new Map<string, Account>();
  /** Per account, oldest first. */
  readonly #transactions = new Map<string, Transaction[]>();
  readonly #consents = new Map<string, Consent>();
  readonly #payments = new Map<string, Payment>();
  readonly #idempotency = new Map<string, IdempotencyRecord>();

  constructor(data: DemoData = demoData()) {
    for (const account of data.accounts) {
      this.#accounts.set(account.accountId, { ...account });
      this.#transactions.set(account.accountId, []);
    }
    for (const transaction of data.transactions) {
      this.#transactions.get(transaction.accountId)?.push({ ...transaction });
    }
    for (const list of this.#transactions.values()) {
      list.sort((a, b) => a.bookingDateTime.localeCompare(b.bookingDateTime));
    }
    for (const consent of data.consents) {
      this.#consents.set(consentKey(consent.subject, consent.clientId), consent);
    }
  }

  async listAccounts(ownerId: string): Promise<Account[]> {
    return [...this.#accounts.values()].filter((a) => a.ownerId === ownerId).map((a) => ({ ...a }));
  }

  async findAccount(accountId: string): Promise<Account | undefined> {
    const account = this.#accounts.get(accountId);
    return account && { ...account };
  }

  async findConsent(subject: string, clientId: string): Promise<Consent | undefined> {
    const consent = this.#consents.get(consentKey(subject, consentClientId(clientId)));
    return consent && { ...consent, clientId };
  }

  async listTransactions(accountId: string, query: TransactionQuery): Promise<TransactionPage> {
    const all = this.#transactions.get(accountId) ?? [];
    const matching: Transaction[] = [];
    for (let i = all.length - 1; i >= 0; i -= 1) {
      const transaction = all[i] as Transaction;
      const time = Date.parse(transaction.bookingDateTime);
      if (query.from !== undefined && time < query.from) continue;
      if (query.to !== undefined && time >= query.to) continue;
      matching.push(transaction);
    }
    return {
      items: matching.slice(query.offset, query.offset + query.limit).map((t) => ({ ...t })),
      total: matching.length,
    };
  }

  async balances(accountId: string, at: number): Promise<BalanceTotals> {
    return this.#totals(accountId, at);
  }

  async createPayment(request: PaymentRequest): Promise<CreatePaymentOutcome> {
    this.#forgetExpiredKeys(request.now);
    const scope = idempotencyScope(request);
    const previous = this.#idempotency.get(scope);
    if (previous) {
      const payment = this.#payments.get(previous.paymentId);
      if (previous.fingerprint !== request.fingerprint || !payment) {
        return { kind: 'idempotency-key-reused' };
      }
      return { kind: 'replayed', payment: copyPayment(payment) };
    }
    const { availableMinor } = this.#totals(request.debtorAccountId, request.now);
    if (availableMinor < request.amountMinor) return { kind: 'insufficient-funds' };

    const payment: Payment = {
      paymentId: `pmt-${randomUUID()}`,
      subject: request.subject,
      clientId: request.clientId,
      debtorAccountId: request.debtorAccountId,
      amountMinor: request.amountMinor,
      currency: request.currency,
      creditorAccount: { ...request.creditorAccount },
      reference: request.reference,
      createdAt: request.now,
      settlesAt: request.now + request.settlementDelayMs,
      idempotencyKey: request.idempotencyKey,
      ...(request.consentId !== undefined ? { consentId: request.consentId } : {}),
      ...(request.requestSignature !== undefined
        ? { requestSignature: copySignature(request.requestSignature) }
        : {}),
    };
    this.#payments.set(payment.paymentId, payment);
    this.#idempotency.set(scope, {
      paymentId: payment.paymentId,
      fingerprint: request.fingerprint,
      expiresAt: request.now + IDEMPOTENCY_KEY_TTL_MS,
    });
    this.#transactions.get(payment.debtorAccountId)?.push({
      transactionId: `txn-${randomUUID()}`,
      accountId: payment.debtorAccountId,
      bookingDateTime: new Date(payment.createdAt).toISOString(),
      amountMinor: -payment.amountMinor,
      currency: payment.currency,
      description: `Payment to ${payment.creditorAccount.name}: ${payment.reference}`,
      paymentId: payment.paymentId,
      settlesAt: payment.settlesAt,
    });
    return { kind: 'created', payment: copyPayment(payment) };
  }

  async findPayment(paymentId: string): Promise<Payment | undefined> {
    const payment = this.#payments.get(paymentId);
    return payment && copyPayment(payment);
  }

  #totals(accountId: string, at: number): BalanceTotals {
    const opening = this.#accounts.get(accountId)?.openingBalanceMinor ?? 0;
    let bookedMinor = opening;
    let availableMinor = opening;
    for (const transaction of this.#transactions.get(accountId) ?? []) {
      availableMinor += transaction.amountMinor;
      if (transaction.settlesAt === undefined || transaction.settlesAt <= at) {
        bookedMinor += transaction.amountMinor;
      }
    }
    return { bookedMinor, availableMinor };
  }

  #forgetExpiredKeys(now: number): void {
    // Insertion order is expiry order: stop at the first live key.
    for (const [scope, record] of this.#idempotency) {
      if (record.expiresAt > now) break;
      this.#idempotency.delete(scope);
    }
  }
}

function consentKey(subject: string, clientId: string): string {
  return `${subject}\u0000${clientId}`;
}

/** Keys belong to one client acting for one user: another client may reuse the same string. */
function copySignature(signature: RequestSignatureRecord): RequestSignatureRecord {
  return { ...signature, components: [...signature.components] };
}

/** A copy the caller may change without changing the store. */
function copyPayment(payment: Payment): Payment {
  return {
    ...payment,
    creditorAccount: { ...payment.creditorAccount },
    ...(payment.requestSignature
      ? { requestSignature: copySignature(payment.requestSignature) }
      : {}),
  };
}

function idempotencyScope(request: PaymentRequest): string {
  return `${request.clientId}\u0000${request.subject}\u0000${request.idempotencyKey}`;
}
