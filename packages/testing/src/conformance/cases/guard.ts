/**
 * What the guard covers by default: a route with no requirement of its own is verified like any
 * other, the one explicitly public route is open, and other spellings of its path open nothing.
 */
import type { ConformanceCase } from '../types.js';
import { bearer, get, PRINCIPAL, TOKEN } from './shared.js';

const PUBLIC_OK = {
  status: 200,
  body: { ok: true },
  headers: { 'www-authenticate': null },
  publicRoute: true,
} as const;

/**
 * Another spelling of the public path: verified like any route (401 without a token), or no
 * route at all (404); never a guarded handler. See the suite option `publicBy`.
 */
const notPublic = (name: string, path: string): ConformanceCase => ({
  name: `does not treat ${name} as the public path`,
  specIds: ['RS-GEN-01', 'N01'],
  publicSpelling: true,
  request: async () => get(path),
  expect: { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null, orNoRoute: true },
});

export const guardCases: ConformanceCase[] = [
  {
    name: 'guards a route with no requirement of its own: no token, a challenge with no error',
    specIds: ['RS-GEN-01', 'RS-ERR-02', 'N01'],
    request: async () => get('/unmarked'),
    expect: { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null },
  },
  {
    name: 'guards a route with no requirement of its own: a token that is no JWT is invalid',
    specIds: ['RS-GEN-01'],
    request: async () => bearer('garbage', '/unmarked'),
    expect: { ...TOKEN, scheme: 'Bearer', code: 'ERR_FAPI_TOKEN_MALFORMED' },
  },
  {
    name: 'lets a valid DPoP request reach a route with no requirement of its own',
    specIds: ['RS-GEN-01', 'RS-DPOP-01'],
    request: (k) => k.dpopRequest({ path: '/unmarked' }),
    expect: { status: 200, body: { ...PRINCIPAL, binding: { kind: 'dpop' } } },
  },
  {
    name: 'leaves the explicitly public route open without a token',
    specIds: [],
    request: async () => get('/public'),
    expect: PUBLIC_OK,
  },
  {
    name: 'leaves the explicitly public route open whatever credentials it carries',
    specIds: [],
    request: async () =>
      get('/public', { authorization: ['Basic dXNlcjpwYXNz', 'Bearer x'], dpop: 'junk' }),
    expect: PUBLIC_OK,
  },
  notPublic('a dot segment leading out of it (/public/../unmarked)', '/public/../unmarked'),
  notPublic('a dot segment leading to a scoped route (/public/../accounts)', '/public/../accounts'),
  notPublic('an encoded dot segment (/public/%2e%2e/unmarked)', '/public/%2e%2e/unmarked'),
  notPublic('its path with an encoded letter (/%70ublic)', '/%70ublic'),
  notPublic('its path in capitals (/PUBLIC)', '/PUBLIC'),
];
