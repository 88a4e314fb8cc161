/**
 * compileCors: which CORS headers a request gets and which preflights the adapters answer.
 */
import { compileCors, CORS_DEFAULTS, type CorsRequest } from '../src/index.js';

const PAGE = 'https://app.bank.test';
const cors = compileCors({ origins: [PAGE, 'http://localhost:8080'] })!;
const get = (origin: CorsRequest['origin']): CorsRequest => ({
  method: 'GET',
  origin,
  requestMethod: undefined,
});

describe('compileCors', () => {
  test('without the option there is no policy', () => {
    expect(compileCors(undefined)).toBeUndefined();
  });

  test('a listed origin gets the allow-origin and expose headers, with Vary: Origin', () => {
    expect(cors(get(PAGE))).toEqual({
      preflight: false,
      headers: {
        vary: 'Origin',
        'access-control-allow-origin': PAGE,
        'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id',
      },
    });
  });

  test.each([
    ['another origin', 'https://evil.test'],
    ['another port', 'https://app.bank.test:8443'],
    ['another scheme', 'http://app.bank.test'],
    ['another case', 'https://APP.bank.test'],
    ['a trailing slash', 'https://app.bank.test/'],
    ['the opaque origin', 'null'],
    ['two Origin headers', [PAGE, PAGE]],
    ['no Origin', undefined],
  ])('%s gets no CORS headers and no preflight answer', (_name, origin) => {
    expect(cors(get(origin))).toEqual({ preflight: false, headers: { vary: 'Origin' } });
    expect(cors({ method: 'OPTIONS', origin, requestMethod: 'POST' }).preflight).toBe(false);
  });

  test('a preflight is OPTIONS with one Access-Control-Request-Method from a listed origin', () => {
    const answer = cors({ method: 'OPTIONS', origin: PAGE, requestMethod: 'DELETE' });
    expect(answer.preflight).toBe(true);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': PAGE,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-max-age': '600',
    });
    expect(cors({ method: 'OPTIONS', origin: PAGE, requestMethod: undefined }).preflight).toBe(
      false,
    );
    expect(cors({ method: 'POST', origin: PAGE, requestMethod: 'POST' }).preflight).toBe(false);
  });

  test('CORS_DEFAULTS are the header lists used when none are given, and extend them', () => {
    const preflight = { method: 'OPTIONS', origin: PAGE, requestMethod: 'POST' };
    expect(cors(preflight).headers['access-control-allow-headers']).toBe(
      'Authorization, DPoP, Content-Type, x-fapi-interaction-id, x-fapi-auth-date, ' +
        'x-fapi-customer-ip-address, x-idempotency-key',
    );
    expect(CORS_DEFAULTS.allowHeaders.join(', ')).toBe(
      cors(preflight).headers['access-control-allow-headers'],
    );
    expect(CORS_DEFAULTS.exposeHeaders.join(', ')).toBe(
      cors(get(PAGE)).headers['access-control-expose-headers'],
    );
    expect(Object.isFrozen(CORS_DEFAULTS.allowHeaders)).toBe(true);
    const extended = compileCors({
      origins: [PAGE],
      allowHeaders: [...CORS_DEFAULTS.allowHeaders, 'Signature'],
    })!;
    expect(extended(preflight).headers['access-control-allow-headers']).toMatch(
      /^Authorization, DPoP, .*, x-idempotency-key, Signature$/,
    );
  });

  test('never allows credentials', () => {
    const answer = cors({ method: 'OPTIONS', origin: PAGE, requestMethod: 'GET' });
    expect(Object.keys(answer.headers)).not.toContain('access-control-allow-credentials');
  });

  test.each([
    [null, 'cors'],
    [[PAGE], 'cors'],
    [{}, 'cors.origins'],
    [{ origins: '*' }, 'cors.origins'],
    [{ origins: ['*'] }, 'cors.origins'],
    [{ origins: ['app.bank.test'] }, 'cors.origins'],
    [{ origins: ['https://app.bank.test/path'] }, 'cors.origins'],
    [{ origins: ['ftp://app.bank.test'] }, 'cors.origins'],
    [{ origins: [PAGE], methods: ['*'] }, 'cors.methods'],
    [{ origins: [PAGE], methods: [] }, 'cors.methods'],
    [{ origins: [PAGE], exposeHeaders: ['DPoP Nonce'] }, 'cors.exposeHeaders'],
    [{ origins: [PAGE], maxAgeS: 1.5 }, 'cors.maxAgeS'],
    [{ origins: [PAGE], credentials: true }, 'cors.credentials'],
  ])('refuses %j with a TypeError naming %s', (value, name) => {
    expect(() => compileCors(value)).toThrow(TypeError);
    expect(() => compileCors(value)).toThrow(new RegExp(`^${name.replace('.', '\\.')}[: ]`));
  });
});
