import {
  assertRequirements,
  FapiError,
  mergeRequirements,
  type RequestLike,
} from '../src/index.js';
import { createKit, expectRejection, type Kit } from './fixture.js';

describe('assertRequirements: an unknown or malformed requirement is a set-up error', () => {
  test.each<[string, unknown, RegExp]>([
    ['a misspelt key', { scope: ['accounts'] }, /unknown requirement "scope"/],
    ['a misspelt key', { acrValue: ['urn:sca'] }, /unknown requirement "acrValue"/],
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
    expect(() => mergeRequirements({ scopes: ['a'] }, { maxAges: 60 } as never)).toThrow(TypeError);
  });
});

describe('the requirement pipeline (forRequest): verify once, then check each requirement', () => {
  let kit: Kit;
  let like: RequestLike;
  beforeEach(async () => {
    kit = await createKit();
    like = await kit.dpopRequest({ token: await kit.dpopToken({ scope: 'accounts' }) });
  });
  afterEach(() => kit.rs.close());

  /** The rejection of a promise that must reject with a FapiError. */
  async function rejection(promise: Promise<unknown>): Promise<FapiError> {
    const outcome = await promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if (!('error' in outcome)) throw new Error('expected a rejection, the requirement passed');
    expect(outcome.error).toBeInstanceOf(FapiError);
    return outcome.error as FapiError;
  }

  test('two callers with different requirements on one request verify the proof once', async () => {
    const native = {};
    let described = 0;
    const describe = () => (described++, like);
    const first = await kit.rs.forRequest(native, describe).require({ scopes: ['accounts'] });
    const second = await kit.rs.forRequest(native, describe).require({ binding: 'dpop' });
    expect(second).toBe(first);
    expect(described).toBe(1);
    // A second verification of the same proof is a replay: the pipeline never does it.
    await expectRejection(kit.rs, like, {
      status: 401,
      code: 'ERR_FAPI_DPOP_REPLAY',
      error: 'invalid_dpop_proof',
      scheme: 'DPoP',
    });
  });

  test('a later requirement that fails answers 403 insufficient_scope in the DPoP challenge', async () => {
    const native = {};
    const principal = await kit.rs.forRequest(native, () => like).principal();
    const error = await rejection(
      kit.rs.forRequest(native, () => like).require({ scopes: ['payments'] }),
    );
    expect(error.status).toBe(403);
    expect(error.headers['www-authenticate']).toMatch(/^DPoP error="insufficient_scope"/);
    expect(error.headers['x-fapi-interaction-id']).toBe(principal.interactionId);
  });

  test('an unknown requirement at request time is a 500 ERR_FAPI_MISCONFIGURED, never a pass', async () => {
    const error = await rejection(
      kit.rs.forRequest({}, () => like).require({ scope: ['accounts'] } as never),
    );
    expect({ code: error.code, status: error.status }).toEqual({
      code: 'ERR_FAPI_MISCONFIGURED',
      status: 500,
    });
    expect(error.body()).toEqual({
      error: 'server_error',
      error_description: 'The resource server is misconfigured',
    });
    expect(error.headers['www-authenticate']).toBeUndefined();
  });

  test('a describe() that throws rejects with ERR_FAPI_MISCONFIGURED, complete with its headers', async () => {
    const boom = new TypeError('boom');
    const error = await rejection(
      kit.rs
        .forRequest({}, () => {
          throw boom;
        })
        .principal(),
    );
    expect({ code: error.code, status: error.status }).toEqual({
      code: 'ERR_FAPI_MISCONFIGURED',
      status: 500,
    });
    expect(error.cause).toBe(boom);
    expect(error.headers['cache-control']).toBe('no-store');
    expect(error.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
