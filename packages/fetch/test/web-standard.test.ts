/** The fetch and Hono packages run on any Web-standard runtime: their sources import no `node:` module. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe.each(['fetch', 'hono'])('@fapi-guard/%s sources', (name) => {
  const dir = join(PACKAGES, name, 'src');
  const files = readdirSync(dir).filter((file) => file.endsWith('.ts'));

  test('exist', () => expect(files.length).toBeGreaterThan(0));

  test.each(files)('%s imports no node: module and uses no Node global', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text).not.toMatch(/from ['"]node:|import\(['"]node:|(?<![.\w])require\(/);
    expect(text).not.toMatch(/\b(Buffer|process|__dirname)\b/);
  });
});
