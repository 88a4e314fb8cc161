import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import {
  base64urlDecode,
  base64urlEncode,
  equalStrings,
  sha256Base64url,
  verifySignature,
} from './crypto.js';

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

describe('verifySignature over signing inputs of every size', () => {
  // The bytes of a signing input go through one reused buffer up to 16 KiB, and their own above:
  // a short input after a long one must not see the long one's tail, nor a long one be cut.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = (input: string) => ({
    input,
    signature: sign('sha256', Buffer.from(input, 'latin1'), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    }),
  });
  const inputs = [10, 5000, 17_000, 300, 40_000, 16_384, 3].map((n, i) =>
    signed(`${'eyJhbGciOiJFUzI1NiJ9'.repeat(n).slice(0, n)}.${i}`),
  );

  test("each verifies, in any order, and none verifies another one's signature", () => {
    for (const { input, signature } of [...inputs, ...inputs.reverse()]) {
      expect(verifySignature('ES256', publicKey, input, signature)).toBe(true);
      expect(verifySignature('ES256', publicKey, `${input}x`, signature)).toBe(false);
      expect(verifySignature('ES256', publicKey, input.slice(0, -1), signature)).toBe(false);
    }
  });
});
