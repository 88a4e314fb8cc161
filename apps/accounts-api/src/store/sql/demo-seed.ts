/**
 * Puts the demo data into a migrated database once: the first instance to start seeds it
 * (six months of history before its day), every later start and every concurrent one finds the `demo_seed` row
 * and leaves the data, payments included, as it is.
 */
import type { DemoData } from '../demo-data.js';
import type { Queryable, SqlClient } from './sql-client.js';

/** Key of the advisory lock held while seeding (see `MIGRATION_LOCK_KEY`). */
export const SEED_LOCK_KEY = 0x66_61_70_69_02; // "fapi" + 2

/** Rows per INSERT: well below PostgreSQL's 65 535 parameters per statement. */
const ROWS_PER_INSERT = 500;

async function insertRows(
  tx: Queryable,
  head: string,
  rows: ReadonlyArray<readonly unknown[]>,
  casts: readonly string[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value, column) => {
        params.push(value);
        return `$${params.length}${casts[column] ?? ''}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await tx.query(`${head} VALUES ${tuples.join(', ')}`, params);
  }
}

/**
 * Seeds `data()` unless the database holds the demo data already. Resolves true when this call
 * seeded it. `data` is only called when seeding.
 *
 * @example
 * await migrate(db);
 * await seedDemoData(db, () => demoData());
 */
export async function seedDemoData(db: SqlClient, data: () => DemoData): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [SEED_LOCK_KEY]);
    const seeded = await tx.query('SELECT 1 FROM demo_seed');
    if (seeded.length > 0) return false;
    const { accounts, transactions, consents } = data();
    await insertRows(
      tx,
      'INSERT INTO accounts (account_id, owner_id, currency, account_sub_type, nickname, name, ' +
        'iban, opening_date, opening_balance_minor)',
      accounts.map((a) => [
        a.accountId,
        a.ownerId,
        a.currency,
        a.accountSubType,
        a.nickname,
        a.name,
        a.iban,
        a.openingDate,
        a.openingBalanceMinor,
      ]),
      ['', '', '', '', '', '', '', '::date', '::bigint'],
    );
    // Oldest first, per account: the insertion order breaks ties between equal booking times.
    const ordered = [...transactions].sort((a, b) =>
      a.bookingDateTime.localeCompare(b.bookingDateTime),
    );
    await insertRows(
      tx,
      'INSERT INTO transactions (transaction_id, account_id, booked_at, amount_minor, currency, ' +
        'description, merchant_name)',
      ordered.map((t) => [
        t.transactionId,
        t.accountId,
        t.bookingDateTime,
        t.amountMinor,
        t.currency,
        t.description,
        t.merchantName ?? null,
      ]),
      ['', '', '::timestamptz', '::bigint', '', '', ''],
    );
    for (const consent of consents) {
      await tx.query(
        'INSERT INTO consents (subject, client_id, account_ids) VALUES ($1, $2, $3::text[])',
        [consent.subject, consent.clientId, [...consent.accountIds]],
      );
    }
    const historyFrom = accounts[0]?.openingDate ?? new Date().toISOString().slice(0, 10);
    await tx.query('INSERT INTO demo_seed (history_from) VALUES ($1::date)', [historyFrom]);
    return true;
  });
}
