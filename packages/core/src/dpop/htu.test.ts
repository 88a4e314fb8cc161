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
