import { createDpopKey, createTestAuthority, dpopProof } from '@fapi-guard/testing';
import {
  assertRequirements,
  createResourceServer,
  isFapiError,
  mergeRequirements,
} from '../src/index.js';

describe('assertRequirements: an unknown or malformed requirement is a set-up error', () => {
  test.each<[string, unknown, RegExp]>([
    ['a misspelt key', { scope: ['accounts'] }, /unknown requirement "scope"/],
    ['a feature this version lacks', { acrValues: ['urn:sca'] }, /unknown requirement "acrValues"/],
    ['scopes not an array', { scopes: 'accounts' }, /scopes must be an array/],
    ['a scope with a space', { scopes: ['a b'] }, /is not a scope token/],
    ['an empty anyScope', { anyScope: [] }, /name at least 1 scope/],
    ['an unknown binding', { binding: 'bearer' }, /binding must be 'dpop' or 'mtls'/],
    ['not an object', ['accounts'], /requirements must be an object/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => assertRequirements('route', value)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });

  test('accepts every known key', () => {
    const value = { scopes: ['accounts'], anyScope: ['a', 'b'], binding: 'dpop' as const };
    expect(assertRequirements('route', value)).toBe(value);
  });

  test('mergeRequirements refuses an unknown key on either side', () => {
    expect(() => mergeRequirements({ scopes: ['a'] }, { maxAge: 60 } as never)).toThrow(TypeError);
  });
});

describe('the requirement pipeline (forRequest): verify once, then check each requirement', () => {
  const issuer = 'https://as.pipeline.test';
  const audience = 'https://rs.pipeline.test';
  const url = `${audience}/accounts`;
  let authority: Awaited<ReturnType<typeof createTestAuthority>>;
  let key: Awaited<ReturnType<typeof createDpopKey>>;

  beforeAll(async () => {
    authority = await createTestAuthority({ issuer, audience });
    key = await createDpopKey();
  });

  async function request() {
    const token = await authority.mintAccessToken({ cnf: { jkt: key.jkt }, scope: 'accounts' });
    const proof = await dpopProof({ key, htm: 'GET', htu: url, accessToken: token });
    return { method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } };
  }

  function server() {
    return createResourceServer({ issuer, audience, jwks: authority.jwks() });
  }

  test('two callers with different requirements on one request verify the proof once', async () => {
    const rs = server();
    const native = {};
    const like = await request();
    let described = 0;
    const describe = () => (described++, like);
    const first = await rs.forRequest(native, describe).require({ scopes: ['accounts'] });
    const second = await rs.forRequest(native, describe).require({ binding: 'dpop' });
    expect(second).toBe(first);
    expect(described).toBe(1);
    // A second verification of the same proof is a replay: the pipeline never does it.
    await expect(rs.verify(like)).rejects.toMatchObject({ code: 'ERR_FAPI_DPOP_REPLAY' });
    await rs.close();
  });

  test('a later requirement that fails answers 403 insufficient_scope in the DPoP challenge', async () => {
    const rs = server();
    const native = {};
    const like = await request();
    await rs.forRequest(native, () => like).principal();
    const error = await rs
      .forRequest(native, () => like)
      .require({ scopes: ['payments'] })
      .catch((e: unknown) => e);
    expect(isFapiError(error) && error.status).toBe(403);
    expect(isFapiError(error) && error.headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_scope"/,
    );
    await rs.close();
  });

  test('an unknown requirement at request time is a 500 ERR_FAPI_MISCONFIGURED, never a pass', async () => {
    const rs = server();
    const like = await request();
    const error = await rs
      .forRequest({}, () => like)
      .require({ scope: ['accounts'] } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_FAPI_MISCONFIGURED', status: 500 });
    expect(isFapiError(error) && error.body()).toEqual({
      error: 'server_error',
      error_description: 'The resource server is misconfigured',
    });
    expect(isFapiError(error) && error.headers['www-authenticate']).toBeUndefined();
    await rs.close();
  });

  test('a relative request URL without publicUrl is ERR_FAPI_MISCONFIGURED (500), not a 401', async () => {
    const rs = server();
    const like = { ...(await request()), url: '/accounts' };
    await expect(rs.verify(like)).rejects.toMatchObject({
      code: 'ERR_FAPI_MISCONFIGURED',
      status: 500,
    });
    await rs.close();
  });

  test('a describe() that throws rejects with ERR_FAPI_MISCONFIGURED', async () => {
    const rs = server();
    const error = await rs
      .forRequest({}, () => {
        throw new TypeError('boom');
      })
      .principal()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_FAPI_MISCONFIGURED', status: 500 });
    await rs.close();
  });
});
