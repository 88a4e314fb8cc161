/**
 * Real databases for the tests: a fresh PostgreSQL database per test file (created on the
 * server at 127.0.0.1:5432, dropped afterwards) and embedded PGlite in this process.
 * PostgreSQL must be running; the tests fail with a hint, never skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pgliteClient, postgresClient, type SqlClient } from '../../src/store/sql/sql-client.js';
import { migrate } from '../../src/store/sql/migrations.js';
import { seedDemoData } from '../../src/store/sql/demo-seed.js';
import { demoData } from '../../src/store/demo-data.js';

/** The server the tests create their databases on. */
export const POSTGRES_SERVER = 'postgres://postgres@127.0.0.1:5432/';

const POSTGRES_MISSING =
  'PostgreSQL not reachable at 127.0.0.1:5432 as user postgres — start it (e.g. ' +
  'pg_ctlcluster 15 main start) and allow local connections without a password';

export interface TestDatabase {
  name: string;
  /** postgres://…/<name> */
  url: string;
  /** Drops the database, ending the connections still open to it. */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: `${POSTGRES_SERVER}postgres`,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`${POSTGRES_MISSING} (${(error as Error).message})`, { cause: error });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `fapi_guard_test_<random>` (names are hex: nothing to quote). */
export async function createTestDatabase(prefix = 'fapi_guard_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: `${POSTGRES_SERVER}${name}`,
    drop: async () => {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Drops a role a test created (roles belong to the server, not to a database). */
export async function dropRole(name: string): Promise<void> {
  await admin((client) => client.query(`DROP ROLE IF EXISTS ${name}`));
}

/** Whether a database of that name exists on the test server. */
export async function databaseExists(name: string): Promise<boolean> {
  return admin(async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  });
}

/** An empty PGlite, or a client on a fresh PostgreSQL database (dropped by `close`). */
export interface TestClient {
  db: SqlClient;
  /** Another connection pool on the same database (PostgreSQL), or `db` (PGlite: one process). */
  openAnother(): SqlClient;
  close(): Promise<void>;
}

export async function testClient(driver: 'postgres' | 'pglite'): Promise<TestClient> {
  if (driver === 'pglite') {
    const db = await pgliteClient();
    return { db, openAnother: () => db, close: () => db.close() };
  }
  const database = await createTestDatabase();
  const clients: SqlClient[] = [];
  const open = () => {
    const client = postgresClient(database.url, { maxConnections: 10 });
    clients.push(client);
    return client;
  };
  const db = open();
  return {
    db,
    openAnother: open,
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await database.drop();
    },
  };
}

/** Empties every table and seeds `demoData(anchor)` again (a fresh store, in milliseconds). */
export async function reseed(db: SqlClient, anchor: Date): Promise<void> {
  await migrate(db);
  await db.exec(
    'TRUNCATE accounts, transactions, consents, payments, idempotency_keys, demo_seed ' +
      'RESTART IDENTITY CASCADE',
  );
  await seedDemoData(db, () => demoData(anchor));
}
