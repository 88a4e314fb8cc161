import { parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  test('reads several challenges from one field, with and without params', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer error="invalid_request", error_description="Multiple methods", DPoP algs="ES256 PS256", error="invalid_request", Basic',
      ),
    ).toEqual([
      {
        scheme: 'Bearer',
        params: { error: 'invalid_request', error_description: 'Multiple methods' },
      },
      { scheme: 'DPoP', params: { algs: 'ES256 PS256', error: 'invalid_request' } },
      { scheme: 'Basic', params: {} },
    ]);
  });

  test('returns no challenge for an absent header', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });

  test.each([
    ['a repeated parameter', 'DPoP error="a", error="b"'],
    ['a parameter before any scheme', 'error="a"'],
    ['an unquoted value', 'Bearer error=invalid_token'],
    ['an escaped quote', 'Bearer error_description="say \\"hi\\""'],
    ['a token68 challenge', 'Basic dXNlcjpwYXNz='],
  ])('rejects %s', (_name, header) => {
    expect(() => parseWwwAuthenticate(header)).toThrow(Error);
  });
});
