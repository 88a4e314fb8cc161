import { normalizeHtu } from './htu.js';

describe('normalizeHtu (RS-DPOP-09)', () => {
  test.each([
    ['https://api.test/a', 'https://api.test/a'],
    ['HTTPS://API.TEST/a', 'https://api.test/a'],
    ['https://api.test:443/a', 'https://api.test/a'],
    ['http://api.test:80/a', 'http://api.test/a'],
    ['https://api.test:8443/a', 'https://api.test:8443/a'],
    ['https://api.test', 'https://api.test/'],
    ['https://api.test/a?x=1#f', 'https://api.test/a'],
    ['https://api.test/a#f', 'https://api.test/a'],
    ['https://api.test/%7euser/%2f', 'https://api.test/~user/%2F'],
    ['https://api.test/A', 'https://api.test/A'],
    ['https://api.test/a/../b', 'https://api.test/a/../b'],
    ['https://[::1]:443/a', 'https://[::1]/a'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  test.each([
    '/relative',
    'ftp://api.test/a',
    'https://user:pw@api.test/a',
    'https:///a',
    'https://exa mple/a',
    'javascript:alert(1)',
  ])('refuses %s', (input) => {
    expect(normalizeHtu(input)).toBeUndefined();
  });
});

describe('normalizeHtu is idempotent (a proof htu spelt like the normalized request URI is compared as is)', () => {
  test.each([
    'HTTPS://API.TEST:443/%7euser/%2f%41?q#f',
    'https://bücher.example/a',
    'https://0x7f.1/a',
    'https://[0:0::1]:443/x',
    'http://Api.Test:80',
    'https://api.test/a%2a%2A',
  ])('%s', (input) => {
    const once = normalizeHtu(input) as string;
    expect(once).toBeDefined();
    expect(normalizeHtu(once)).toBe(once);
  });

  test('answers stay the same for URIs met again, beyond the memo bound and for long URIs', () => {
    const long = `https://API.test/${'a'.repeat(3000)}`;
    for (let i = 0; i < 2_500; i += 1) {
      expect(normalizeHtu(`HTTPS://API.test/r${i}`)).toBe(`https://api.test/r${i}`);
      expect(normalizeHtu('ftp://api.test/a')).toBeUndefined();
    }
    expect(normalizeHtu('HTTPS://API.test/r0')).toBe('https://api.test/r0');
    expect(normalizeHtu(long)).toBe(`https://api.test/${'a'.repeat(3000)}`);
    expect(normalizeHtu(long)).toBe(`https://api.test/${'a'.repeat(3000)}`);
  });
});
