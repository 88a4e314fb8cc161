import { createHash } from 'node:crypto';
import { base64urlDecode, base64urlEncode, equalStrings, sha256Base64url } from './crypto.js';

describe('strict base64url', () => {
  test('decodes what it encodes, for every length', () => {
    for (let length = 0; length < 40; length += 1) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      expect(base64urlDecode(base64urlEncode(bytes))).toEqual(new Uint8Array(Buffer.from(bytes)));
    }
  });

  test.each(['AQIDBAV', 'AQIDBAU=', 'AQIDBA+U', 'A', 'AQID BAU', 'AR'])('refuses %s', (text) => {
    expect(base64urlDecode(text)).toBeUndefined();
  });
});

describe('sha256Base64url', () => {
  test.each(['', 'abc', 'jkt\njti', 'ü€', 'x'.repeat(5000)])(
    'equals the Hash digest for %j',
    (text) => {
      expect(sha256Base64url(text)).toBe(createHash('sha256').update(text).digest('base64url'));
      const bytes = new TextEncoder().encode(text);
      expect(sha256Base64url(bytes)).toBe(createHash('sha256').update(bytes).digest('base64url'));
    },
  );
});

describe('equalStrings', () => {
  test('is string equality', () => {
    expect(equalStrings('abc', 'abc')).toBe(true);
    expect(equalStrings('', '')).toBe(true);
    expect(equalStrings('abc', 'abd')).toBe(false);
    expect(equalStrings('abc', 'ab')).toBe(false);
    expect(equalStrings('bbc', 'abc')).toBe(false);
    // Two different lone surrogates (one UTF-8 replacement character each) are not equal.
    expect(equalStrings('\ud800', '\udc00')).toBe(false);
  });
});
