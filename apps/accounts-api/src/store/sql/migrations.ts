/**
 * The schema of the SQL store, as numbered migrations applied in order and recorded in
 * `schema_migrations`. A migration, once released, never changes: a new change is a new
 * version. `migrate()` refuses a database whose recorded migrations differ from these (edited
 * after it ran) or go beyond them (a newer build migrated it).
 */
import { createHash } from 'node:crypto';
import type { SqlClient } from './sql-client.js';

/** One step of the schema. */
export interface Migration {
  /** 1, 2, 3, … without gaps. */
  version: number;
  name: string;
  /** Statements separated by `;`, run in the migration's transaction. */
  sql: string;
}

/**
 * Key of the transaction-level advisory lock `migrate()` holds: two instances starting at once
 * apply the migrations one after the other, and the second finds nothing left to do.
 */
export const MIGRATION_LOCK_KEY = 0x66_61_70_69_01; // "fapi" + 1

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, transactions, consents',
    sql: `
      CREATE TABLE accounts (
        account_id text PRIMARY KEY,
        -- Insertion order: listAccounts answers in it.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        owner_id text NOT NULL,
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        account_sub_type text NOT NULL
          CHECK (account_sub_type IN ('CurrentAccount', 'Savings', 'Travel')),
        nickname text NOT NULL,
        name text NOT NULL,
        iban text NOT NULL,
        opening_date date NOT NULL,
        -- Minor units (pence, cents): exact.
        opening_balance_minor bigint NOT NULL
      );
      CREATE INDEX accounts_by_owner ON accounts (owner_id, seq);

      CREATE TABLE transactions (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id text NOT NULL UNIQUE,
        account_id text NOT NULL REFERENCES accounts,
        booked_at timestamptz NOT NULL,
        -- Signed minor units: negative for a debit.
        amount_minor bigint NOT NULL,
        currency text NOT NULL,
        description text NOT NULL,
        merchant_name text,
        payment_id text,
        -- Set while pending: when it becomes booked.
        settles_at timestamptz
      );
      CREATE INDEX transactions_by_account ON transactions (account_id, booked_at DESC, seq DESC);

      CREATE TABLE consents (
        subject text NOT NULL,
        client_id text NOT NULL,
        account_ids text[] NOT NULL,
        PRIMARY KEY (subject, client_id)
      );

      -- One row once the demo data is in: it is seeded once, whatever the number of instances.
      CREATE TABLE demo_seed (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        history_from date NOT NULL,
        seeded_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
  {
    version: 2,
    name: 'payments and idempotency keys',
    sql: `
      CREATE TABLE payments (
        payment_id text PRIMARY KEY,
        subject text NOT NULL,
        client_id text NOT NULL,
        debtor_account_id text NOT NULL REFERENCES accounts,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency text NOT NULL,
        creditor_name text NOT NULL,
        creditor_iban text NOT NULL,
        reference text NOT NULL,
        created_at timestamptz NOT NULL,
        settles_at timestamptz NOT NULL,
        idempotency_key text NOT NULL
      );
      ALTER TABLE transactions
        ADD CONSTRAINT transactions_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES payments;

      -- A key belongs to one client acting for one user. The key is claimed first (INSERT ...
      -- ON CONFLICT DO NOTHING) and its payment written later in the same transaction, hence
      -- the deferred reference.
      CREATE TABLE idempotency_keys (
        client_id text NOT NULL,
        subject text NOT NULL,
        idempotency_key text NOT NULL,
        fingerprint text NOT NULL,
        payment_id text NOT NULL REFERENCES payments DEFERRABLE INITIALLY DEFERRED,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, subject, idempotency_key)
      );
      CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at)`,
  },
  {
    version: 3,
    name: 'consent id of payments',
    // The consent (the access token's payment_initiation element) a payment was made under;
    // null for payments made before consents were recorded.
    sql: `ALTER TABLE payments ADD COLUMN consent_id text`,
  },
  {
    version: 4,
    name: 'request signature of payments',
    // The verified HTTP message signature of the request that created the payment (label,
    // keyid, created, covered components, Signature-Input member, signature): evidence for
    // disputes. Null for payments made before signatures were required.
    sql: `ALTER TABLE payments ADD COLUMN request_signature jsonb`,
  },
];

/** What `migrate()` found and did. */
export interface MigrationReport {
  /** Versions applied by this call, in order (empty when the schema was up to date). */
  applied: number[];
  /** The schema version now. */
  version: number;
}

function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new TypeError(
        `migrations: expected version ${index + 1} at position ${index}, got ${migration.version}`,
      );
    }
  });
}

/**
 * Brings the schema up to date in ONE transaction holding `pg_advisory_xact_lock`: either every
 * pending migration is applied and recorded in `schema_migrations`, or none is. Instances that
 * start together wait for each other; each migration runs once.
 *
 * @example
 * const { applied, version } = await migrate(db); // e.g. { applied: [1, 2], version: 2 }
 * @see https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 */
export async function migrate(
  db: SqlClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> {
  checkSequence(migrations);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    // Created only when missing: with the schema up to date, a role without CREATE can start.
    const [present] = await tx.query<{ found: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS found",
    );
    if (!present?.found) {
      await tx.exec(`
      CREATE TABLE schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    }
    const recorded = await tx.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    for (const [index, row] of recorded.entries()) {
      if (row.version !== index + 1) {
        throw new Error(`schema_migrations lacks version ${index + 1}: the database was altered`);
      }
      const known = migrations[index];
      if (!known) {
        throw new Error(
          `database schema is at version ${row.version}, newer than this build knows ` +
            `(${migrations.length}): run a newer build, never an older one, on this database`,
        );
      }
      if (checksum(known) !== row.checksum) {
        throw new Error(
          `migration ${row.version} (${known.name}) differs from the one applied to this database`,
        );
      }
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(recorded.length)) {
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, checksum(migration)],
      );
      applied.push(migration.version);
    }
    return { applied, version: migrations.length };
  });
}
