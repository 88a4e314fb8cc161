import { readFileSync } from 'node:fs';
import { ERROR_CODES, FapiError, type FapiErrorCode } from '../src/index.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

test.each(Object.keys(ERROR_CODES) as FapiErrorCode[])(
  'docs/errors.md documents %s as the code does',
  (code) => {
    const error = new FapiError(code);
    const row = `| \`${code}\` | ${error.status} | ${error.error ? `\`${error.error}\`` : '—'} | ${error.description} |`;
    expect(doc).toContain(row);
  },
);

describe('the README quick start', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  test('is a program of at most 20 lines on the documented example values', () => {
    expect(
      code.split('\n').filter((line, i, all) => i < all.length - 1 || line).length,
    ).toBeLessThanOrEqual(20);
    for (const literal of [
      "issuer: 'https://as.bank.example'",
      "audience: 'https://api.bank.example'",
      "jwksUri: 'https://as.bank.example/jwks'",
    ]) {
      expect(code).toContain(literal);
    }
    expect(code).toMatch(/^import .* from '@fapi-guard\/core';$/m);
    expect(code).toContain('.listen(');
  });
});
