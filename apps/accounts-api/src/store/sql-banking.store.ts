import { randomUUID } from 'node:crypto';
import type {
  Account,
  AccountSubType,
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
import { IDEMPOTENCY_KEY_TTL_MS } from './memory-banking.store.js';
import type { Queryable, SqlClient } from './sql/sql-client.js';
import { databaseUnavailable, isTransientDatabaseError } from './sql/sql-errors.js';
import { readEpochMs, readInteger, storable, timestampParam } from './sql/sql-values.js';
import { consentClientId } from './playground-consent.js';

const ACCOUNT_COLUMNS = `account_id, owner_id, currency, account_sub_type, nickname, name, iban,
  to_char(opening_date, 'YYYY-MM-DD') AS opening_date, opening_balance_minor`;

const TRANSACTION_COLUMNS = `transaction_id, account_id, booked_at, amount_minor, currency,
  description, merchant_name, payment_id, settles_at`;

const PAYMENT_COLUMNS = `payment_id, subject, client_id, debtor_account_id, amount_minor, currency,
  creditor_name, creditor_iban, reference, created_at, settles_at, idempotency_key, consent_id,
  request_signature`;

type Row = Record<string, unknown>;

function accountOf(row: Row): Account {
  return {
    accountId: String(row.account_id),
    ownerId: String(row.owner_id),
    currency: String(row.currency),
    accountSubType: String(row.account_sub_type) as AccountSubType,
    nickname: String(row.nickname),
    name: String(row.name),
    iban: String(row.iban),
    openingDate: String(row.opening_date),
    openingBalanceMinor: readInteger(row.opening_balance_minor, 'opening_balance_minor'),
  };
}

function transactionOf(row: Row): Transaction {
  return {
    transactionId: String(row.transaction_id),
    accountId: String(row.account_id),
    bookingDateTime: new Date(readEpochMs(row.booked_at, 'booked_at')).toISOString(),
    amountMinor: readInteger(row.amount_minor, 'amount_minor'),
    currency: String(row.currency),
    description: String(row.description),
    ...(row.merchant_name != null ? { merchantName: String(row.merchant_name) } : {}),
    ...(row.payment_id != null ? { paymentId: String(row.payment_id) } : {}),
    ...(row.settles_at != null ? { settlesAt: readEpochMs(row.settles_at, 'settles_at') } : {}),
  };
}

function paymentOf(row: Row): Payment {
  return {
    paymentId: String(row.payment_id),
    subject: String(row.subject),
    clientId: String(row.client_id),
    debtorAccountId: String(row.debtor_account_id),
    amountMinor: readInteger(row.amount_minor, 'amount_minor'),
    currency: String(row.currency),
    creditorAccount: { name: String(row.creditor_name), iban: String(row.creditor_iban) },
    reference: String(row.reference),
    createdAt: readEpochMs(row.created_at, 'created_at'),
    settlesAt: readEpochMs(row.settles_at, 'settles_at'),
    idempotencyKey: String(row.idempotency_key),
    ...(row.consent_id != null ? { consentId: String(row.consent_id) } : {}),
    ...(row.request_signature != null
      ? { requestSignature: readSignature(row.request_signature) }
      : {}),
  };
}

/** The `request_signature` column (jsonb: an object from pg and PGlite, text if cast). */
function readSignature(value: unknown): RequestSignatureRecord {
  const record = (typeof value === 'string' ? JSON.parse(value) : value) as RequestSignatureRecord;
  const { label, keyId, created, components, signatureInput, signature } = record;
  if (
    typeof label !== 'string' ||
    typeof keyId !== 'string' ||
    !Number.isSafeInteger(created) ||
    !Array.isArray(components) ||
    !components.every((c) => typeof c === 'string') ||
    typeof signatureInput !== 'string' ||
    typeof signature !== 'string'
  ) {
    throw new TypeError('payments.request_signature: not a stored request signature');
  }
  return { label, keyId, created, components: [...components], signatureInput, signature };
}

/** Thrown inside the payment transaction to roll it back, key claim included. */
class InsufficientFunds extends Error {}

/** Opening balance plus transactions: booked (settled at `at`) and available (all). */
async function totals(db: Queryable, accountId: string, at: number): Promise<BalanceTotals> {
  const [row] = await db.query<Row>(
    `SELECT a.opening_balance_minor + coalesce(sum(t.amount_minor), 0) AS available,
            a.opening_balance_minor + coalesce(sum(t.amount_minor) FILTER (
              WHERE t.settles_at IS NULL OR t.settles_at <= $2::timestamptz), 0) AS booked
       FROM accounts a LEFT JOIN transactions t ON t.account_id = a.account_id
      WHERE a.account_id = $1
      GROUP BY a.account_id, a.opening_balance_minor`,
    [accountId, timestampParam(at)],
  );
  if (!row) return { bookedMinor: 0, availableMinor: 0 };
  return {
    bookedMinor: readInteger(row.booked, 'booked'),
    availableMinor: readInteger(row.available, 'available'),
  };
}

/**
 * The data in PostgreSQL (or embedded PGlite): the same answers as `MemoryBankingStore`, shared
 * by every instance using the database. The schema comes from `migrate()`, the demo data from
 * `seedDemoData()`; `openBankingStore()` does both.
 *
 * `createPayment` is one transaction: it claims the idempotency key with `INSERT ... ON CONFLICT
 * DO NOTHING` on the key's primary key (a concurrent claim of the same key waits for the first
 * transaction to end, then sees its row), locks the debtor account (`SELECT ... FOR UPDATE`:
 * payments from one account check their funds one after the other), checks the available
 * balance and writes the payment and its pending debit. Insufficient funds roll everything
 * back, the key claim too, as the memory store never records it.
 *
 * When the database is unavailable (down, unreachable, connection lost, statement timeout) each
 * method rejects with a 503 `temporarily_unavailable` HTTP exception; other failures reject as
 * they are.
 *
 * @example
 * const db = postgresClient(process.env.DATABASE_URL!);
 * await migrate(db);
 * const store = new SqlBankingStore(db);
 * const accounts = await store.listAccounts('alice');
 */
export class SqlBankingStore implements BankingStore {
  readonly #db: SqlClient;
  readonly #ownsClient: boolean;

  /** With `ownsClient`, {@link close} (and the application's shutdown) closes `db` too. */
  constructor(db: SqlClient, { ownsClient = false }: { ownsClient?: boolean } = {}) {
    this.#db = db;
    this.#ownsClient = ownsClient;
  }

  /** `postgres` or `pglite`. */
  get driver(): SqlClient['driver'] {
    return this.#db.driver;
  }

  async listAccounts(ownerId: string): Promise<Account[]> {
    if (!storable(ownerId)) return [];
    const rows = await this.#query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE owner_id = $1 ORDER BY seq`,
      [ownerId],
    );
    return rows.map(accountOf);
  }

  async findAccount(accountId: string): Promise<Account | undefined> {
    if (!storable(accountId)) return undefined;
    const [row] = await this.#query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1`,
      [accountId],
    );
    return row && accountOf(row);
  }

  async findConsent(subject: string, clientId: string): Promise<Consent | undefined> {
    if (!storable(subject, clientId)) return undefined;
    const [row] = await this.#query(
      'SELECT account_ids FROM consents WHERE subject = $1 AND client_id = $2',
      [subject, consentClientId(clientId)],
    );
    return row && { subject, clientId, accountIds: (row.account_ids as unknown[]).map(String) };
  }

  async listTransactions(accountId: string, query: TransactionQuery): Promise<TransactionPage> {
    if (!storable(accountId)) return { items: [], total: 0 };
    // One statement, so the page and the total come from one snapshot.
    const rows = await this.#query(
      `WITH matching AS (
         SELECT seq, ${TRANSACTION_COLUMNS} FROM transactions
          WHERE account_id = $1
            AND ($2::timestamptz IS NULL OR booked_at >= $2::timestamptz)
            AND ($3::timestamptz IS NULL OR booked_at < $3::timestamptz))
       SELECT counted.total, page.*
         FROM (SELECT count(*) AS total FROM matching) AS counted
         LEFT JOIN LATERAL (
           SELECT * FROM matching ORDER BY booked_at DESC, seq DESC OFFSET $4 LIMIT $5
         ) AS page ON true
        ORDER BY page.booked_at DESC, page.seq DESC`,
      [
        accountId,
        query.from === undefined ? null : timestampParam(query.from),
        query.to === undefined ? null : timestampParam(query.to),
        query.offset,
        query.limit,
      ],
    );
    return {
      items: rows.filter((row) => row.transaction_id != null).map(transactionOf),
      total: rows[0] ? readInteger(rows[0].total, 'total') : 0,
    };
  }

  async balances(accountId: string, at: number): Promise<BalanceTotals> {
    if (!storable(accountId)) return { bookedMinor: 0, availableMinor: 0 };
    return this.#available(() => totals(this.#db, accountId, at));
  }

  async createPayment(request: PaymentRequest): Promise<CreatePaymentOutcome> {
    // Keys past their 24 hours are forgotten, outside the payment's transaction so that it locks
    // no other key; the transaction deletes this key's own row again if it expired meanwhile.
    await this.#query('DELETE FROM idempotency_keys WHERE expires_at <= $1::timestamptz', [
      timestampParam(request.now),
    ]);
    try {
      return await this.#available(() =>
        this.#db.transaction((tx) => this.#createPayment(tx, request)),
      );
    } catch (error) {
      if (error instanceof InsufficientFunds) return { kind: 'insufficient-funds' };
      throw error;
    }
  }

  async #createPayment(tx: Queryable, request: PaymentRequest): Promise<CreatePaymentOutcome> {
    const scope = [request.clientId, request.subject, request.idempotencyKey];
    const now = timestampParam(request.now);
    await tx.query(
      `DELETE FROM idempotency_keys
        WHERE client_id = $1 AND subject = $2 AND idempotency_key = $3
          AND expires_at <= $4::timestamptz`,
      [...scope, now],
    );
    const paymentId = `pmt-${randomUUID()}`;
    const claimed = await tx.query(
      `INSERT INTO idempotency_keys
         (client_id, subject, idempotency_key, fingerprint, payment_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
       ON CONFLICT (client_id, subject, idempotency_key) DO NOTHING
       RETURNING payment_id`,
      [
        ...scope,
        request.fingerprint,
        paymentId,
        timestampParam(request.now + IDEMPOTENCY_KEY_TTL_MS),
      ],
    );
    if (claimed.length === 0) return this.#replay(tx, scope, request.fingerprint);

    const [account] = await tx.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [
      request.debtorAccountId,
    ]);
    if (!account) throw new InsufficientFunds();
    // Read after the lock: every debit committed before it is counted.
    const { availableMinor } = await totals(tx, request.debtorAccountId, request.now);
    if (availableMinor < request.amountMinor) throw new InsufficientFunds();

    const payment: Payment = {
      paymentId,
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
        ? {
            requestSignature: {
              ...request.requestSignature,
              components: [...request.requestSignature.components],
            },
          }
        : {}),
    };
    await tx.query(
      `INSERT INTO payments (${PAYMENT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $12, $13,
         $14::jsonb)`,
      [
        payment.paymentId,
        payment.subject,
        payment.clientId,
        payment.debtorAccountId,
        payment.amountMinor,
        payment.currency,
        payment.creditorAccount.name,
        payment.creditorAccount.iban,
        payment.reference,
        now,
        timestampParam(payment.settlesAt),
        payment.idempotencyKey,
        payment.consentId ?? null,
        payment.requestSignature ? JSON.stringify(payment.requestSignature) : null,
      ],
    );
    await tx.query(
      `INSERT INTO transactions (${TRANSACTION_COLUMNS})
       VALUES ($1, $2, $3::timestamptz, $4::bigint, $5, $6, NULL, $7, $8::timestamptz)`,
      [
        `txn-${randomUUID()}`,
        payment.debtorAccountId,
        now,
        -payment.amountMinor,
        payment.currency,
        `Payment to ${payment.creditorAccount.name}: ${payment.reference}`,
        payment.paymentId,
        timestampParam(payment.settlesAt),
      ],
    );
    return { kind: 'created', payment };
  }

  /** The key is taken (by a committed transaction: a concurrent claim waited for it). */
  async #replay(
    tx: Queryable,
    scope: readonly string[],
    fingerprint: string,
  ): Promise<CreatePaymentOutcome> {
    const [row] = await tx.query<Row>(
      `SELECT k.fingerprint, ${PAYMENT_COLUMNS.replace(/(\w+)/g, 'p.$1')}
         FROM idempotency_keys k JOIN payments p ON p.payment_id = k.payment_id
        WHERE k.client_id = $1 AND k.subject = $2 AND k.idempotency_key = $3`,
      [...scope],
    );
    if (!row || row.fingerprint !== fingerprint) return { kind: 'idempotency-key-reused' };
    return { kind: 'replayed', payment: paymentOf(row) };
  }

  async findPayment(paymentId: string): Promise<Payment | undefined> {
    if (!storable(paymentId)) return undefined;
    const [row] = await this.#query(
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE payment_id = $1`,
      [paymentId],
    );
    return row && paymentOf(row);
  }

  /** One statement outside a transaction. */
  #query(text: string, params: readonly unknown[]): Promise<Row[]> {
    return this.#available(() => this.#db.query<Row>(text, params));
  }

  /** `work`, with the database's unavailability turned into a 503. */
  async #available<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isTransientDatabaseError(error) ? databaseUnavailable(error) : error;
    }
  }

  /** Closes the database client when this store owns it. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.#db.close();
  }

  /** Nest calls this when the application closes. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
