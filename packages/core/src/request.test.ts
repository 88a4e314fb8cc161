import fc from 'fast-check';
import { pathOf } from './request.js';

/** The path as a regular expression reads it: drop `scheme://authority`, cut at `?` or `#`. */
function referencePath(url: string): string {
  const withoutOrigin = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
  return withoutOrigin.split(/[?#]/, 1)[0] || '/';
}

describe('pathOf', () => {
  test.each([
    ['https://api.bank.test/accounts/acc-1?from=2026#top', '/accounts/acc-1'],
    ['https://api.bank.test', '/'],
    ['https://api.bank.test?x=1', '/'],
    ['HTTP://h:8443/a/b/', '/a/b/'],
    ['/payments?x=1', '/payments'],
    ['relative/path#f', 'relative/path'],
    ['', '/'],
    ['1https://h/a', '1https://h/a'],
  ])('%s is %s', (url, path) => {
    expect(pathOf(url)).toBe(path);
  });

  test('gives what the regular expressions give, for any text', () => {
    const piece = fc.constantFrom(
      'https://',
      'h',
      'x:',
      '//',
      '/',
      '?',
      '#',
      'a',
      '9',
      '+',
      '.',
      ':',
    );
    const url = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(url, (value) => {
        expect(pathOf(value)).toBe(referencePath(value));
      }),
      { numRuns: 5000 },
    );
  });
});
