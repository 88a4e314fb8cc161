/**
 * verify never rejects with anything but a FapiError, whatever the adapter hands it: a getter
 * that throws, a value of the wrong type, no object at all. Such requests are adapter bugs:
 * 500 `ERR_FAPI_MISCONFIGURED`, with the cause kept for logs.
 */
import fc from 'fast-check';
import { isFapiError, type DecisionEvent, type RequestLike } from '../src/index.js';
import { createKit, expectRejection, RESOURCE_URL, type Kit } from './fixture.js';

let kit: Kit;
let valid: RequestLike;
beforeAll(async () => {
  kit = await createKit();
  valid = await kit.dpopRequest();
});

const MISCONFIGURED = { status: 500, code: 'ERR_FAPI_MISCONFIGURED' } as const;

/** `valid` with `field` replaced by a getter that throws. */
function throwing(field: keyof RequestLike): RequestLike {
  const request = { ...valid };
  Object.defineProperty(request, field, {
    enumerable: true,
    get() {
      throw new Error(`getter for ${field} failed`);
    },
  });
  return request;
}

describe('a request object that cannot be read is a 500, never a crash', () => {
  test.each<keyof RequestLike>([
    'method',
    'url',
    'headers',
    'body',
    'clientCertificate',
    'peerAddress',
  ])('a getter that throws on request.%s', async (field) => {
    const error = await expectRejection(kit.rs, throwing(field), MISCONFIGURED);
    expect(error.body()).toEqual({
      error: 'server_error',
      error_description: 'The resource server is misconfigured',
    });
    expect((error.cause as Error).message).toBe(`getter for ${field} failed`);
  });

  test.each<[string, Record<string, unknown>]>([
    ['a numeric url', { url: 42 }],
    [
      'an object url whose toString throws',
      {
        url: {
          toString: () => {
            throw new Error('x');
          },
        },
      },
    ],
    ['a null url', { url: null }],
    ['a missing method', { method: undefined }],
    ['a numeric peer address', { peerAddress: 10 }],
    ['headers that are a number', { headers: 7 }],
    [
      'a Headers-like whose forEach throws',
      {
        headers: {
          forEach: () => {
            throw new Error('x');
          },
          get: () => null,
        },
      },
    ],
  ])('%s', async (_name, override) => {
    await expectRejection(kit.rs, { ...valid, ...override } as RequestLike, MISCONFIGURED);
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'GET /accounts'],
  ])('a request that is %s', async (_name, request) => {
    await expectRejection(kit.rs, request as RequestLike, MISCONFIGURED);
  });

  test('a relative URL without publicUrl is a 500 (set publicUrl), not a 401', async () => {
    const error = await expectRejection(
      kit.rs,
      await kit.dpopRequest({ url: '/accounts' }),
      MISCONFIGURED,
    );
    expect(String(error.cause)).toMatch(/publicUrl/);
  });

  test('the audit hook sees the denial of an unreadable request', async () => {
    const events: DecisionEvent[] = [];
    const k = await createKit({ onDecision: (event) => events.push(event) });
    await expectRejection(k.rs, throwing('url'), MISCONFIGURED);
    expect(events).toEqual([
      expect.objectContaining({ outcome: 'deny', status: 500, code: 'ERR_FAPI_MISCONFIGURED' }),
    ]);
    expect(events[0]?.path).toBeUndefined();
  });
});

describe('a record of headers: its own names only', () => {
  test('a header the record only inherits was not sent', async () => {
    const { headers } = await kit.dpopRequest();
    const { authorization, dpop } = headers as Record<string, string>;
    const inheritsProof = Object.assign(Object.create({ dpop }) as object, { authorization });
    await expectRejection(
      kit.rs,
      { ...valid, headers: inheritsProof },
      { status: 401, code: 'ERR_FAPI_DPOP_PROOF_MISSING' },
    );
    const inheritsToken = Object.assign(Object.create({ authorization }) as object, { dpop });
    await expectRejection(
      kit.rs,
      { ...valid, headers: inheritsToken },
      { status: 401, code: 'ERR_FAPI_NO_CREDENTIALS', error: null },
    );
    await expect(
      kit.rs.verify({ ...valid, headers: { authorization, dpop } }),
    ).resolves.toMatchObject({ binding: { kind: 'dpop' } });
  });
});

describe('arbitrary request objects', () => {
  test('any value in any field: verify resolves or rejects with a FapiError, never anything else', async () => {
    const field = <T>(good: T) =>
      fc.oneof(fc.constant(good), fc.anything({ withNullPrototype: true, withMap: true }));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: field('GET'),
          url: field<unknown>(RESOURCE_URL),
          headers: field<unknown>(valid.headers),
          body: fc.anything(),
          clientCertificate: fc.anything(),
          peerAddress: field<unknown>('127.0.0.1'),
        }),
        async (request) => {
          try {
            await kit.rs.verify(request as unknown as RequestLike);
            return true;
          } catch (error) {
            return isFapiError(error) && [400, 401, 403, 500].includes(error.status);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a failing extension point never escapes the error model', () => {
  test.each<[string, () => number]>([
    [
      'throws',
      () => {
        throw new Error('clock down');
      },
    ],
    ['answers NaN', () => Number.NaN],
    ['answers a string', () => 'now' as unknown as number],
  ])('a clock that %s: 500 ERR_FAPI_MISCONFIGURED', async (_name, clock) => {
    const k = await createKit({ clock });
    await expectRejection(k.rs, valid, MISCONFIGURED);
  });

  test('a nonce source that throws while a proof is refused: the 401 stands, without DPoP-Nonce', async () => {
    const k = await createKit({
      dpop: {
        nonce: {
          current: () => {
            throw new Error('nonce source down');
          },
          check: () => 'invalid' as const,
        },
      },
    });
    const error = await expectRejection(k.rs, await k.dpopRequest({ proof: { nonce: 'x' } }), {
      status: 401,
      code: 'ERR_FAPI_DPOP_NONCE_INVALID',
      error: 'use_dpop_nonce',
      scheme: 'DPoP',
    });
    expect(error.headers['dpop-nonce']).toBeUndefined();
  });
});
