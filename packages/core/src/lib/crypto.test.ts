import { base64urlDecode, base64urlEncode } from './crypto.js';

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
