import { parsedUrl } from '../src/message.js';

describe('parsedUrl: a URL text parsed once, within bounds', () => {
  test('the same text gives the same parse; a URL object is itself', () => {
    const url = parsedUrl('https://api.bank.test/payments?x=a b');
    expect(url.href).toBe('https://api.bank.test/payments?x=a%20b');
    expect(parsedUrl('https://api.bank.test/payments?x=a b')).toBe(url);
    const own = new URL('https://api.bank.test/');
    expect(parsedUrl(own)).toBe(own);
  });

  test('a text that is not a URL throws each time, and nothing is kept for it', () => {
    expect(() => parsedUrl('/relative')).toThrow(/Invalid URL/);
    expect(() => parsedUrl('/relative')).toThrow(/Invalid URL/);
  });

  test('long texts are never kept, and the memo is cleared when full', () => {
    const long = `https://api.bank.test/${'a'.repeat(2100)}`;
    expect(parsedUrl(long)).not.toBe(parsedUrl(long));
    const first = parsedUrl('https://api.bank.test/first');
    for (let i = 0; i < 1_000; i += 1) parsedUrl(`https://api.bank.test/r${i}`);
    const again = parsedUrl('https://api.bank.test/first');
    expect(again).not.toBe(first);
    expect(again.href).toBe(first.href);
  });
});
