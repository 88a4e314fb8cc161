/**
 * The thin query interface the SQL store runs on: `query(text, params)`, `exec(script)` and a
 * transaction helper, with two drivers behind it, PostgreSQL (`pg`, a connection pool) and
 * embedded PGlite (Postgres compiled to WASM, in this process). Both speak the same SQL; the
 * few differences in how they hand back values (int8 as string or number, say) are smoothed
 * out by the readers in `sql-values.ts`, not here.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createInMemoryPglite } from './pglite-template.js';

/** Runs statements: the whole client, or one transaction of it. */
export interface Queryable {
  /**
   * One statement with `$1`-style parameters (never string-built SQL); resolves with its rows.
   *
   * @example
   * const rows = await db.query<{ n: number }>('SELECT count(*) AS n FROM accounts WHERE owner_id = $1', ['alice']);
   */
  query<Row extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
  /** Several `;`-separated statements without parameters (a migration script). */
  exec(script: string): Promise<void>;
}

/** Which engine a {@link SqlClient} talks to. */
export type SqlDriver = 'postgres' | 'pglite';

/** A database: queries, transactions, and `close()` once done. */
export interface SqlClient extends Queryable {
  readonly driver: SqlDriver;
  /**
   * Runs `work` in one transaction (READ COMMITTED) on one connection: commits when it
   * resolves, rolls back and rethrows when it throws. Statements of other callers run on other
   * connections (PostgreSQL) or wait until this transaction ends (PGlite: one connection).
   *
   * @example
   * await db.transaction(async (tx) => {
   *   await tx.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [id]);
   *   await tx.query('INSERT INTO transactions ...', [...]);
   * });
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Ends the pool or the embedded database; further calls fail. */
  close(): Promise<void>;
}

/** Limits of the PostgreSQL pool: nothing waits forever. */
export interface PostgresClientOptions {
  /** Connections per process. Default 10. */
  maxConnections?: number;
  /** Longest wait for a connection from the pool or the server. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Longest run of one statement, lock waits included (`statement_timeout`). Default 10 000 ms. */
  statementTimeoutMs?: number;
  /** Told about errors of idle connections (the server restarted, say); the pool replaces them. */
  onIdleError?: (error: Error) => void;
  /** `application_name` shown in `pg_stat_activity`. */
  applicationName?: string;
}

/**
 * A PostgreSQL client over a `pg` pool. Idle connections that break are replaced; a transaction
 * left open by a crashed caller is ended by the server (`idle_in_transaction_session_timeout`).
 *
 * @example
 * const db = postgresClient('postgres://app@db.internal:5432/bank');
 * const [row] = await db.query<{ now: Date }>('SELECT now()');
 * await db.close();
 */
export function postgresClient(url: string, options: PostgresClientOptions = {}): SqlClient {
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    application_name: options.applicationName ?? 'accounts-api',
  });
  // Without a listener, an idle connection that breaks would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  const on = (target: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row extends object>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(script: string) {
      // Without parameters pg uses the simple protocol, which runs several statements.
      await target.query(script);
    },
  });
  return {
    driver: 'postgres',
    ...on(pool),
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      let broken: Error | undefined;
      // A connection lost mid-transaction fails the statement running on it; without this
      // listener it would also be an unhandled 'error' event, which ends the process.
      const onError = (error: Error) => {
        broken = error;
      };
      connection.on('error', onError);
      try {
        await connection.query('BEGIN');
        const result = await work(on(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable: the pool drops it instead of handing it out again.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        connection.off('error', onError);
        connection.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Embedded PostgreSQL (PGlite, WASM) in this process: in memory when `dataDir` is undefined
 * (gone when the process ends; started from a cached empty cluster, see `pglite-template.ts`),
 * else persisted in that directory. One connection: transactions run one after the other.
 *
 * @example
 * const db = await pgliteClient();
 * await db.exec('CREATE TABLE t (id int PRIMARY KEY)');
 */
export async function pgliteClient(dataDir?: string): Promise<SqlClient> {
  const db = dataDir === undefined ? await createInMemoryPglite() : await PGlite.create(dataDir);
  const on = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<Row extends object>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(script: string) {
      await target.exec(script);
    },
  });
  return {
    driver: 'pglite',
    ...on(db),
    // PGlite commits when `work` resolves and rolls back when it throws.
    transaction: (work) => db.transaction((tx) => work(on(tx))),
    close: () => db.close(),
  };
}
