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
