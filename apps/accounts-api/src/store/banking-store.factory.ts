import type { DatabaseConfig } from '../config/app-config.js';
import { demoData, type DemoData } from './demo-data.js';
import { SqlBankingStore } from './sql-banking.store.js';
import { seedDemoData } from './sql/demo-seed.js';
import { migrate } from './sql/migrations.js';
import { pgliteClient, postgresClient, type SqlClient } from './sql/sql-client.js';

export interface OpenBankingStoreOptions {
  /** The demo data to seed into an empty database. Default: {@link demoData} of today. */
  seed?: () => DemoData;
  /** Told about broken idle PostgreSQL connections (the pool replaces them). */
  onIdleError?: (error: Error) => void;
}

/**
 * The store the API uses: connects (PostgreSQL pool, or embedded PGlite), applies the pending
 * migrations and seeds the demo data once, and returns a store that closes the connection
 * when the application shuts down. Fails with a message naming the setting when the database
 * cannot be reached or its schema is not one this build knows; never echoes the URL.
 *
 * @example
 * const store = await openBankingStore({ driver: 'postgres', url: process.env.DATABASE_URL! });
 * const accounts = await store.listAccounts('alice');
 * await store.close();
 */
export async function openBankingStore(
  config: DatabaseConfig,
  options: OpenBankingStoreOptions = {},
): Promise<SqlBankingStore> {
  const setting = config.driver === 'postgres' ? 'DATABASE_URL' : 'PGLITE_DATA_DIR';
  let db: SqlClient | undefined;
  try {
    db =
      config.driver === 'postgres'
        ? postgresClient(config.url, {
            ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
          })
        : await pgliteClient(config.dataDir);
    await migrate(db);
    await seedDemoData(db, options.seed ?? (() => demoData()));
    return new SqlBankingStore(db, { ownsClient: true });
  } catch (error) {
    await db?.close().catch(() => undefined);
    const where = config.driver === 'postgres' ? 'PostgreSQL' : 'the embedded database';
    throw new Error(`${setting}: cannot open ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
