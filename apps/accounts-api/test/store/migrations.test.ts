/**
 * Schema migrations and the demo seed on PGlite and on PostgreSQL (a fresh database per
 * driver): applied once, in order, in one transaction, also when two instances start at once;
 * a database changed behind the build's back is refused.
 */
import { demoData } from '../../src/store/demo-data.js';
import { seedDemoData } from '../../src/store/sql/demo-seed.js';
import { MIGRATIONS, migrate, type Migration } from '../../src/store/sql/migrations.js';
import type { SqlClient } from '../../src/store/sql/sql-client.js';
import { ANCHOR } from '../support/fixtures.js';
import { testClient, type TestClient } from '../support/databases.js';

const tables = async (db: SqlClient) =>
  (
    await db.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
  ).map((row) => row.name);

const recorded = async (db: SqlClient) =>
  db.query<{ version: number; name: string }>(
    'SELECT version, name FROM schema_migrations ORDER BY version',
  );

describe.each(['pglite', 'postgres'] as const)('migrations on %s', (driver) => {
  let client: TestClient;
  beforeEach(async () => {
    client = await testClient(driver);
  }, 60_000);
  afterEach(() => client?.close());

  it('applies every migration in order once, recorded in schema_migrations', async () => {
    expect(await migrate(client.db)).toEqual({ applied: [1, 2, 3, 4], version: 4 });
    expect(await tables(client.db)).toEqual([
      'accounts',
      'consents',
      'demo_seed',
      'idempotency_keys',
      'payments',
      'schema_migrations',
      'transactions',
    ]);
    expect(await recorded(client.db)).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    expect(await migrate(client.db)).toEqual({ applied: [], version: 4 });
    const [column] = await client.db.query<{ found: boolean }>(
      `SELECT count(*) = 1 AS found FROM information_schema.columns
        WHERE table_name = 'payments' AND column_name = 'consent_id'`,
    );
    expect(column?.found).toBe(true);
    const [evidence] = await client.db.query<{ type: string }>(
      `SELECT data_type AS type FROM information_schema.columns
        WHERE table_name = 'payments' AND column_name = 'request_signature'`,
    );
    expect(evidence?.type).toBe('jsonb');
  });

  it('applies migrations once when two instances migrate at the same time', async () => {
    const reports = await Promise.all([migrate(client.db), migrate(client.openAnother())]);
    expect(reports.map((r) => r.applied).sort()).toEqual([[], [1, 2, 3, 4]]);
    expect(await recorded(client.db)).toHaveLength(MIGRATIONS.length);
  });

  it('applies only the new migrations of a newer build', async () => {
    await migrate(client.db, MIGRATIONS.slice(0, 1));
    expect(await tables(client.db)).not.toContain('payments');
    expect(await migrate(client.db)).toEqual({ applied: [2, 3, 4], version: 4 });
    expect(await tables(client.db)).toContain('payments');
  });

  it('rolls back every pending migration when one fails: nothing half-applied', async () => {
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: 5, name: 'broken', sql: 'CREATE TABLE extra (id int); SELECT no_such_column' },
    ];
    await expect(migrate(client.db, broken)).rejects.toThrow(/no_such_column/);
    expect(await tables(client.db)).toEqual([]);
    expect(await migrate(client.db)).toEqual({ applied: [1, 2, 3, 4], version: 4 });
  });

  it('refuses a database migrated by a newer build', async () => {
    const newer: Migration[] = [
      ...MIGRATIONS,
      { version: 5, name: 'later', sql: 'CREATE TABLE later (id int)' },
    ];
    await migrate(client.db, newer);
    await expect(migrate(client.db)).rejects.toThrow(
      'database schema is at version 5, newer than this build knows (4)',
    );
  });

  it('refuses a migration edited after it was applied', async () => {
    await migrate(client.db);
    const edited = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, sql: `${m.sql};` } : m));
    await expect(migrate(client.db, edited)).rejects.toThrow(
      'migration 2 (payments and idempotency keys) differs from the one applied to this database',
    );
  });

  it('refuses a list of migrations with a gap (a programming error)', async () => {
    const gap = [MIGRATIONS[0]!, { ...MIGRATIONS[1]!, version: 3 }];
    await expect(migrate(client.db, gap)).rejects.toThrow(
      new TypeError('migrations: expected version 2 at position 1, got 3'),
    );
  });

  it('seeds the demo data once, also when two instances start at the same time', async () => {
    await migrate(client.db);
    let built = 0;
    const data = () => {
      built += 1;
      return demoData(ANCHOR);
    };
    const seeded = await Promise.all([
      seedDemoData(client.db, data),
      seedDemoData(client.openAnother(), data),
    ]);
    expect(seeded.sort()).toEqual([false, true]);
    expect(built).toBe(1);
    expect(await seedDemoData(client.db, data)).toBe(false);
    const [counts] = await client.db.query<{ accounts: unknown; transactions: unknown }>(
      `SELECT (SELECT count(*) FROM accounts) AS accounts,
              (SELECT count(*) FROM transactions) AS transactions`,
    );
    const expected = demoData(ANCHOR);
    expect({
      accounts: Number(counts!.accounts),
      transactions: Number(counts!.transactions),
    }).toEqual({ accounts: expected.accounts.length, transactions: expected.transactions.length });
  });
});
