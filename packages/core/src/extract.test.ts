/**
 * The exact-spelling shortcut of `extractCredentials` gives what the general parse gives: the
 * same scheme and token, or the same error code, for generated and mutated Authorization values.
 */
import fc from 'fast-check';
import { FapiError, isFapiError } from './errors.js';
import { extractCredentials } from './extract.js';

/** The general parse alone, as `extractCredentials` read one Authorization value before. */
function reference(value: string): string {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/s.exec(value.trim());
  if (!match) return 'ERR_FAPI_MALFORMED_AUTHORIZATION';
  const lower = (match[1] as string).toLowerCase();
  const scheme = lower === 'bearer' ? 'Bearer' : lower === 'dpop' ? 'DPoP' : undefined;
  if (!scheme) return 'ERR_FAPI_UNSUPPORTED_SCHEME';
  const token = match[2] ?? '';
  if (token.includes(',')) return 'ERR_FAPI_MULTIPLE_METHODS';
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) return 'ERR_FAPI_MALFORMED_AUTHORIZATION';
  return `${scheme} ${token}`;
}

function actual(value: string): string {
  try {
    const { scheme, token } = extractCredentials(
      new Map([['authorization', [value]]]),
      'https://api.bank.test/accounts',
      undefined,
    );
    return `${scheme} ${token}`;
  } catch (error) {
    if (isFapiError(error)) return (error as FapiError).code;
    throw error;
  }
}

test('the Authorization shortcut and the general parse agree on every value', () => {
  const tokenChar = fc.constantFrom('a', 'Z', '0', '-', '.', '_', '~', '+', '/', '=');
  const odd = fc.constantFrom(' ', '\t', ',', '"', '\n', 'é', '');
  const token = fc
    .array(fc.oneof(tokenChar, tokenChar, odd), { maxLength: 16 })
    .map((c) => c.join(''));
  const scheme = fc.constantFrom('DPoP', 'Bearer', 'dpop', 'BEARER', 'DPoP ', 'Basic', 'DPoPx', '');
  const value = fc
    .tuple(fc.constantFrom('', ' ', '\t'), scheme, fc.constantFrom(' ', '  ', '', '\t'), token)
    .map((parts) => parts.join(''));
  fc.assert(
    fc.property(value, (text) => {
      expect(actual(text)).toBe(reference(text));
    }),
    { numRuns: 5000 },
  );
  expect(actual('DPoP abc.def-_~+/==')).toBe('DPoP abc.def-_~+/==');
});
