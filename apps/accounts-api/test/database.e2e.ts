/**
 * The API process and its database: it refuses to start (exit 2, a message naming
 * DATABASE_URL, the URL never echoed) when PostgreSQL does not answer or holds a schema newer
 * than this build; two processes started at once on one empty database migrate and seed it once.
 */
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { closedPort, ensureBuilt, spawnAccountsApi } from './support/servers.js';

const startError = (env: Record<string, string>) =>
  spawnAccountsApi(env).then(
    async (api) => {
      await api.stop();
      return new Error('started');
    },
    (error: Error) => error,
  );

let database: TestDatabase;
beforeAll(async () => {
  ensureBuilt();
  database = await createTestDatabase();
}, 60_000);
afterAll(() => database?.drop());

describe('accounts-api and DATABASE_URL', () => {
  it('exits 2 naming DATABASE_URL when PostgreSQL does not answer, without echoing the URL', async () => {
    const port = await closedPort();
    const error = await startError({
      DATABASE_URL: `postgres://app:s3cret@127.0.0.1:${port}/bank`,
    });
    expect(error.message).toMatch(/^accounts-api exited \(2\) before starting/);
    expect(error.message).toContain(
      `[accounts-api] cannot start: DATABASE_URL: cannot open PostgreSQL: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(error.message).not.toContain('s3cret');
  });

  it('migrates and seeds an empty database once when two instances start at the same time', async () => {
    const apis = await Promise.all([
      spawnAccountsApi({ DATABASE_URL: database.url }),
      spawnAccountsApi({ DATABASE_URL: database.url }),
    ]);
    // Both started: each applied or found the schema and the seed before printing api=.
    await Promise.all(apis.map((api) => api.stop()));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT (SELECT count(*)::int FROM schema_migrations) AS migrations,
                (SELECT count(*)::int FROM demo_seed) AS seeds,
                (SELECT count(*)::int FROM accounts) AS accounts`,
      );
      expect(rows).toEqual([{ migrations: 4, seeds: 1, accounts: 5 }]);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('exits 2 on a database migrated by a newer build', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (5, 'future', 'x')",
      );
    } finally {
      await client.end();
    }
    const error = await startError({ DATABASE_URL: database.url });
    expect(error.message).toContain(
      'cannot start: DATABASE_URL: cannot open PostgreSQL: database schema is at version 5, newer than this build knows (4)',
    );
  });
});
