/**
 * A fresh in-memory PGlite, fast. Creating one runs PostgreSQL's initdb in WebAssembly, which
 * takes seconds; loading the data directory initdb produced takes a fraction of that. The first
 * process to create one saves that directory (an uncompressed tar of an empty cluster: nothing
 * of the API's data) in `node_modules/.cache/accounts-api/`, per PGlite version; later
 * processes load it. A missing, stale or damaged file only costs the slow path once more.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/** apps/accounts-api/node_modules/.cache/accounts-api, from src/store/sql or dist/store/sql. */
const CACHE_DIR = fileURLToPath(
  new URL('../../../node_modules/.cache/accounts-api/', import.meta.url),
);

/** The template file of the installed PGlite, or undefined when its version is unknown. */
function templateFile(cacheDir: string): string | undefined {
  try {
    // The package does not export its package.json; read it next to its entry point.
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const manifest = join(dirname(entry), '..', 'package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
    if (typeof version !== 'string' || !/^[\w.+-]+$/.test(version)) return undefined;
    return join(cacheDir, `pglite-${version}-initdb.tar`);
  } catch {
    return undefined;
  }
}

/** Written under a unique name, then renamed: concurrent processes never see half a file. */
async function save(db: PGlite, file: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const dump = await db.dumpDataDir('none');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temporary, new Uint8Array(await dump.arrayBuffer()));
    await rename(temporary, file);
  } catch {
    // A read-only checkout: every start takes the slow path, nothing else changes.
    await rm(temporary, { force: true });
  }
}

/**
 * An empty in-memory PostgreSQL (PGlite), from the cached initdb output in `cacheDir` when there
 * is one (default `apps/accounts-api/node_modules/.cache/accounts-api/`).
 *
 * @example
 * const db = await createInMemoryPglite();
 * await db.query('SELECT 1');
 */
export async function createInMemoryPglite(cacheDir: string = CACHE_DIR): Promise<PGlite> {
  const file = templateFile(cacheDir);
  if (file) {
    try {
      const bytes = await readFile(file);
      return await PGlite.create({
        loadDataDir: new Blob([bytes], { type: 'application/x-tar' }),
      });
    } catch {
      // Absent, or from an interrupted or older run: start afresh and replace it.
      await rm(file, { force: true });
    }
  }
  const db = await PGlite.create();
  if (file) await save(db, file);
  return db;
}
