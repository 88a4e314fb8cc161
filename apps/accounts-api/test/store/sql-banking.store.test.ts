/**
 * What only a real PostgreSQL server shows: a payment request that times out on the client
 * (its connection lost mid-transaction) leaves nothing behind, and its retry with the same key
 * pays once; a retry that arrives while the original is still running waits for it and gets
 * the same payment. Plus the readers of driver values and openBankingStore's errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpException } from '@nestjs/common';
import pg from 'pg';
import type { PaymentRequest } from '../../src/store/banking.model.js';
import { openBankingStore } from '../../src/store/banking-store.factory.js';
import { DEMO_ACCOUNTS } from '../../src/store/demo-data.js';
import { SqlBankingStore } from '../../src/store/sql-banking.store.js';
import { isTransientDatabaseError } from '../../src/store/sql/sql-errors.js';
import { readEpochMs, readInteger } from '../../src/store/sql/sql-values.js';
import { ANCHOR, paymentRequest } from '../support/fixtures.js';
import { createTestDatabase, dropRole, reseed, type TestDatabase } from '../support/databases.js';
import { postgresClient, type SqlClient } from '../../src/store/sql/sql-client.js';

const NOW = ANCHOR.getTime();

const request = (overrides: Partial<PaymentRequest> = {}) =>
  paymentRequest({ idempotencyKey: 'key-timeout', ...overrides });

describe('SqlBankingStore on PostgreSQL: retries after a timeout', () => {
  let database: TestDatabase;
  let db: SqlClient;
  let store: SqlBankingStore;
  /** A separate session holding the debtor account's row lock: payments wait behind it. */
  let blocker: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = postgresClient(database.url);
    store = new SqlBankingStore(db);
  }, 30_000);
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await reseed(db, ANCHOR);
    blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [
      DEMO_ACCOUNTS.aliceCurrent,
    ]);
  });
  afterEach(() => blocker.end());

  /** Backends of this database waiting for a lock, oldest first. */
  async function waiting(count: number): Promise<number[]> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      // Asked outside the blocker's transaction: it would see one snapshot of the activity.
      const rows = await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'
          ORDER BY query_start`,
      );
      if (rows.length >= count) return rows.map((row) => row.pid);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`fewer than ${count} sessions waiting for a lock`);
  }

  const paymentCount = async () =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM payments'))[0]!.n);

  it('leaves nothing behind when the connection is lost mid-payment; the retry pays once', async () => {
    const lost = store.createPayment(request());
    const [pid] = await waiting(1);
    // The client gave up (timeout) and its connection went: the server rolls back.
    await blocker.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(lost).rejects.toThrow();
    await blocker.query('COMMIT');
    expect(await paymentCount()).toBe(0);

    const retried = await store.createPayment(request());
    expect(retried.kind).toBe('created');
    expect(await store.createPayment(request())).toEqual({
      kind: 'replayed',
      payment: retried.kind === 'created' ? retried.payment : undefined,
    });
    expect(await paymentCount()).toBe(1);
  });

  it('makes a retry sent while the original still runs wait for it: one payment, both answers', async () => {
    const original = store.createPayment(request());
    await waiting(1);
    const retry = store.createPayment(request());
    await waiting(2);
    await blocker.query('COMMIT');
    const [first, second] = await Promise.all([original, retry]);
    expect(first.kind).toBe('created');
    expect(second).toEqual({
      kind: 'replayed',
      payment: first.kind === 'created' ? first.payment : undefined,
    });
    expect(await paymentCount()).toBe(1);
  });
});

/** Status and body of the HTTP exception `promise` rejects with. */
async function httpError(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpException)) throw new Error(`expected an HttpException: ${error}`);
  return { status: error.getStatus(), body: error.getResponse() };
}

const UNAVAILABLE = {
  status: 503,
  body: {
    error: 'temporarily_unavailable',
    error_description: 'The service is temporarily unavailable: try again later',
  },
};

describe('SqlBankingStore when PostgreSQL is unavailable', () => {
  it('answers 503 temporarily_unavailable from every method when PostgreSQL does not answer', async () => {
    const db = postgresClient('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
    const store = new SqlBankingStore(db);
    try {
      for (const call of [
        () => store.listAccounts('alice'),
        () => store.findAccount(DEMO_ACCOUNTS.aliceCurrent),
        () => store.findConsent('alice', 'dpop-client'),
        () => store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, { offset: 0, limit: 5 }),
        () => store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW),
        () => store.createPayment(request()),
        () => store.findPayment('pmt-1'),
      ]) {
        expect(await httpError(call())).toEqual(UNAVAILABLE);
      }
    } finally {
      await db.close();
    }
  });

  it('answers 503 when a payment waits past statement_timeout, and stores nothing', async () => {
    const database = await createTestDatabase();
    const db = postgresClient(database.url, { statementTimeoutMs: 300 });
    const blocker = new pg.Client({ connectionString: database.url });
    try {
      await reseed(db, ANCHOR);
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [
        DEMO_ACCOUNTS.aliceCurrent,
      ]);
      const store = new SqlBankingStore(db);
      expect(await httpError(store.createPayment(request()))).toEqual(UNAVAILABLE);
      await blocker.query('COMMIT');
      expect((await store.createPayment(request())).kind).toBe('created');
    } finally {
      await blocker.end();
      await db.close();
      await database.drop();
    }
  });

  it('keeps other failures as they are (a bug is not "unavailable")', async () => {
    expect(isTransientDatabaseError(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(
      false,
    );
    expect(isTransientDatabaseError(Object.assign(new Error('dup'), { code: '23505' }))).toBe(
      false,
    );
    expect(isTransientDatabaseError(new TypeError('x is undefined'))).toBe(false);
    expect(
      isTransientDatabaseError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});

describe('openBankingStore', () => {
  it('names DATABASE_URL when PostgreSQL cannot be reached, without echoing the URL', async () => {
    const url = 'postgres://app:s3cret@127.0.0.1:1/bank';
    const error: Error = await openBankingStore({ driver: 'postgres', url }).then(
      () => new Error('opened'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/^DATABASE_URL: cannot open PostgreSQL: /);
    expect(error.message).not.toContain('s3cret');
  });

  it('migrates and seeds an empty PostgreSQL database, and a second start reuses it', async () => {
    const database = await createTestDatabase();
    try {
      const config = { driver: 'postgres', url: database.url } as const;
      const first = await openBankingStore(config);
      const paid = await first.createPayment(request({ idempotencyKey: 'k' }));
      await first.close();
      const second = await openBankingStore(config);
      expect((await second.listAccounts('alice')).map((a) => a.accountId)).toEqual([
        DEMO_ACCOUNTS.aliceCurrent,
        DEMO_ACCOUNTS.aliceSavings,
        DEMO_ACCOUNTS.aliceTravel,
      ]);
      expect(paid.kind).toBe('created');
      expect(
        await second.findPayment(paid.kind === 'created' ? paid.payment.paymentId : ''),
      ).toEqual(paid.kind === 'created' ? paid.payment : undefined);
      await second.close();
    } finally {
      await database.drop();
    }
  });
});

describe('PGlite in PGLITE_DATA_DIR', () => {
  it('keeps the data and payments across restarts, seeded once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accounts-api-pglite-'));
    try {
      const config = { driver: 'pglite', dataDir } as const;
      const first = await openBankingStore(config);
      const paid = await first.createPayment(request({ idempotencyKey: 'persist' }));
      await first.close();
      const second = await openBankingStore(config);
      try {
        expect(paid.kind).toBe('created');
        expect(await second.createPayment(request({ idempotencyKey: 'persist' }))).toEqual({
          kind: 'replayed',
          payment: paid.kind === 'created' ? paid.payment : undefined,
        });
        expect(await second.listAccounts('bob')).toHaveLength(2);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a role without CREATE', () => {
  it('starts on an up-to-date schema with only SELECT, INSERT, UPDATE, DELETE on the tables', async () => {
    const database = await createTestDatabase();
    const role = `${database.name}_app`;
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    try {
      await (await openBankingStore({ driver: 'postgres', url: database.url })).close();
      await owner.query(`CREATE ROLE ${role} LOGIN`);
      await owner.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await owner.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
      );
      const url = database.url.replace('postgres@', `${role}@`);
      const store = await openBankingStore({ driver: 'postgres', url });
      try {
        expect((await store.createPayment(request({ idempotencyKey: 'dml' }))).kind).toBe(
          'created',
        );
      } finally {
        await store.close();
      }
      // The role cannot create anything: a pending migration would fail, naming the setting.
      const denied = new pg.Client({ connectionString: url });
      await denied.connect();
      await expect(denied.query('CREATE TABLE t (id int)')).rejects.toThrow(/permission denied/);
      await denied.end();
    } finally {
      await owner.end();
      await database.drop();
      await dropRole(role);
    }
  });
});

describe('readers of driver values', () => {
  it.each([
    [42, 42],
    ['-1250', -1250],
    [BigInt(9_007_199_254_740_991), 9_007_199_254_740_991],
  ])('reads %p as the integer %p', (value, expected) => {
    expect(readInteger(value, 'c')).toBe(expected);
  });

  it.each([['12.50'], ['9007199254740993'], [1.5], [null], ['']])(
    'refuses %p: not an exact integer',
    (value) => {
      expect(() => readInteger(value, 'amount_minor')).toThrow(
        new RangeError('column amount_minor: not an exact integer'),
      );
    },
  );

  it('reads a timestamptz as a Date or an ISO string, refuses anything else', () => {
    expect(readEpochMs(new Date(NOW), 'c')).toBe(NOW);
    expect(readEpochMs(ANCHOR.toISOString(), 'c')).toBe(NOW);
    expect(() => readEpochMs('soon', 'created_at')).toThrow('column created_at: not a timestamp');
  });
});
