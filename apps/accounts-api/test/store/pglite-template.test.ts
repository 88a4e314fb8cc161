/**
 * The cached initdb output of PGlite: saved by the first in-memory database, used by the next,
 * replaced when damaged; every database it gives is empty and usable.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryPglite } from '../../src/store/sql/pglite-template.js';

describe('createInMemoryPglite', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'accounts-api-template-'));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  const template = () => {
    const files = readdirSync(cacheDir);
    expect(files).toEqual([expect.stringMatching(/^pglite-[\w.+-]+-initdb\.tar$/)]);
    return join(cacheDir, files[0]!);
  };

  async function expectEmptyAndUsable(): Promise<void> {
    const db = await createInMemoryPglite(cacheDir);
    try {
      await db.exec('CREATE TABLE t (id int PRIMARY KEY)');
      const tables = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables.rows).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  }

  it('saves the empty cluster of the first database, and starts the next one from it', async () => {
    await expectEmptyAndUsable();
    const saved = template();
    const first = statSync(saved);
    expect(first.size).toBeGreaterThan(1_000_000);
    await expectEmptyAndUsable();
    // Loaded, not rewritten: the tables the first database made are not in it either.
    expect(statSync(saved).mtimeMs).toBe(first.mtimeMs);
  }, 60_000);

  it('replaces a damaged template and still gives a working database', async () => {
    const saved = template();
    writeFileSync(saved, 'not a tar archive');
    await expectEmptyAndUsable();
    expect(statSync(template()).size).toBeGreaterThan(1_000_000);
  }, 60_000);
});
