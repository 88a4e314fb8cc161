/** A FapiError is complete when made, never changed afterwards, and shows no stack frames. */
import { FapiError, type KeyResolver } from '../src/index.js';
import { createKit, expectRejection, ISSUER, RESOURCE_URL, type Kit } from './fixture.js';

let kit: Kit;
beforeAll(async () => {
  kit = await createKit();
});

/** A kit whose only issuer takes its keys from `keys`. */
const kitWithKeys = (keys: KeyResolver) =>
  createKit({ issuer: { issuer: ISSUER, keys }, jwks: undefined });

const UUID_A = '0f6c1f4e-4c8a-4d35-9a3e-6f1b2a7c9d10';
const UUID_B = '7d2e9b1a-3f4c-4e5d-8a6b-1c2d3e4f5a6b';

describe('FapiError', () => {
  test('has a frameless stack naming its code, so no error page can show file paths', () => {
    const error = new FapiError('ERR_FAPI_TOKEN_EXPIRED');
    expect(error.stack).toBe('FapiError [ERR_FAPI_TOKEN_EXPIRED]: The access token expired');
    expect(error.stack).not.toMatch(/\n|\bat\b|\.ts|\.js/);
  });

  test('keeps the stack of its cause for logs', () => {
    const cause = new Error('library detail');
    const error = new FapiError('ERR_FAPI_UNEXPECTED', { cause });
    expect(error.cause).toBe(cause);
    expect(cause.stack).toMatch(/\n\s+at /);
  });

  test('renders its headers when made, and they cannot be changed', () => {
    const error = new FapiError('ERR_FAPI_DPOP_NONCE_REQUIRED', {
      challenge: 'DPoP error="use_dpop_nonce"',
      dpopNonce: 'n1',
      interactionId: UUID_A,
    });
    expect(error.headers).toEqual({
      'cache-control': 'no-store',
      'www-authenticate': 'DPoP error="use_dpop_nonce"',
      'dpop-nonce': 'n1',
      'x-fapi-interaction-id': UUID_A,
    });
    expect(error.interactionId).toBe(UUID_A);
    expect(Object.isFrozen(error.headers)).toBe(true);
    expect(() => {
      (error.headers as Record<string, string>)['www-authenticate'] = 'Bearer';
    }).toThrow(TypeError);
  });

  test('made without headers carries only Cache-Control: no-store', () => {
    expect(new FapiError('ERR_FAPI_TOKEN_SIGNATURE').headers).toEqual({
      'cache-control': 'no-store',
    });
  });
});

describe('verify rejects with a new, complete error', () => {
  test('a FapiError thrown by a key resolver is not changed: verify rejects with a new one', async () => {
    const thrown = new FapiError('ERR_FAPI_TOKEN_KEY_NOT_FOUND');
    const keys: KeyResolver = { generation: 0, getKey: () => Promise.reject(thrown) };
    const k = await kitWithKeys(keys);
    const request = await k.dpopRequest({ headers: { 'x-fapi-interaction-id': UUID_A } });
    const error = await expectRejection(k.rs, request, {
      status: 401,
      code: 'ERR_FAPI_TOKEN_KEY_NOT_FOUND',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
    expect(error).not.toBe(thrown);
    expect(error.headers['x-fapi-interaction-id']).toBe(UUID_A);
    expect(thrown.headers).toEqual({ 'cache-control': 'no-store' });
    expect(thrown.scheme).toBeUndefined();
    expect(thrown.interactionId).toBeUndefined();
  });

  test('one error instance thrown for two requests gives each its own interaction id', async () => {
    const thrown = new FapiError('ERR_FAPI_TOKEN_KEY_NOT_FOUND');
    const keys: KeyResolver = { generation: 0, getKey: () => Promise.reject(thrown) };
    const k = await kitWithKeys(keys);
    const [a, b] = await Promise.all(
      [UUID_A, UUID_B].map(async (id) =>
        k.rs.verify(await k.dpopRequest({ headers: { 'x-fapi-interaction-id': id } })).then(
          () => undefined,
          (error: FapiError) => error.headers['x-fapi-interaction-id'],
        ),
      ),
    );
    expect([a, b]).toEqual([UUID_A, UUID_B]);
  });

  test('an unexpected failure becomes ERR_FAPI_UNEXPECTED with the original as cause', async () => {
    const boom = new Error('resolver exploded at /srv/app/keys.js:12');
    const keys: KeyResolver = { generation: 0, getKey: () => Promise.reject(boom) };
    const k = await kitWithKeys(keys);
    const error = await expectRejection(k.rs, await k.dpopRequest(), {
      status: 401,
      code: 'ERR_FAPI_UNEXPECTED',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
    expect(error.cause).toBe(boom);
    expect(error.stack).toBe(`FapiError [ERR_FAPI_UNEXPECTED]: ${error.description}`);
    expect(JSON.stringify(error.body())).not.toContain('/srv/app');
  });

  test('an error that looks like a FapiError of an unknown code becomes ERR_FAPI_UNEXPECTED', async () => {
    const foreign = Object.assign(new Error('from another version'), {
      name: 'FapiError',
      code: 'ERR_FAPI_FROM_ANOTHER_VERSION',
    });
    const keys: KeyResolver = { generation: 0, getKey: () => Promise.reject(foreign) };
    const k = await kitWithKeys(keys);
    const error = await expectRejection(k.rs, await k.dpopRequest(), {
      status: 401,
      code: 'ERR_FAPI_UNEXPECTED',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
    expect(error.cause).toBe(foreign);
  });

  test('a rejection from authorize is complete too, in the principal scheme', async () => {
    const principal = await kit.rs.verify(
      await kit.dpopRequest({ headers: { 'x-fapi-interaction-id': UUID_B } }),
    );
    let error: unknown;
    try {
      kit.rs.authorize(principal, { scopes: ['admin'] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FapiError);
    const fapi = error as FapiError;
    expect(fapi.status).toBe(403);
    expect(fapi.scheme).toBe('DPoP');
    expect(fapi.interactionId).toBe(UUID_B);
    expect(fapi.headers['x-fapi-interaction-id']).toBe(UUID_B);
    expect(fapi.headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_scope", error_description="[^"]+", scope="admin", algs="[^"]+", Bearer/,
    );
    expect(fapi.stack).toBe(`FapiError [ERR_FAPI_INSUFFICIENT_SCOPE]: ${fapi.description}`);
  });

  test('a request without credentials gets a complete challenge with no error', async () => {
    const error = await expectRejection(
      kit.rs,
      { method: 'GET', url: RESOURCE_URL, headers: {} },
      { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null },
    );
    expect(error.headers['www-authenticate']).toBe('DPoP algs="PS256 ES256 EdDSA", Bearer');
  });
});
