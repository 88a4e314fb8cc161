// The client side of response signatures: real keys, real request and response signatures
// (ours and those of the independent http-message-signatures library), a fixed clock.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import {
  ResponseSignatureError,
  signResponse,
  verifyResponse,
  type ResponseSignatureRule,
  type VerifyResponseOptions,
} from '../src/index.js';
import {
  A,
  KEYS,
  NOW_MS,
  NOW_S,
  paymentRequest,
  RESPONSE_BODY,
  signed,
  signedExchange,
  verifier,
} from './fixture.js';

const RS_KEY = { ...KEYS.aEd.public, kid: 'rs-1' };
const DIGEST = `sha-256=:${createHash('sha256').update(RESPONSE_BODY).digest('base64')}:`;
const OTHER_ED25519 = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });

/** A signed payment request and the signed answer as the client receives it. */
async function exchange(request = signed(), now = NOW_MS) {
  const { headers } = await signedExchange(request, now);
  const response = {
    status: 201,
    headers: { 'content-type': 'application/json', ...headers } as Record<string, string>,
    body: RESPONSE_BODY,
  };
  return { request, response };
}

function check(options: Partial<VerifyResponseOptions> & Pick<VerifyResponseOptions, 'request'>) {
  return verifyResponse({
    response: options.response as VerifyResponseOptions['response'],
    key: RS_KEY,
    clock: () => NOW_MS,
    ...options,
  });
}

async function ruleOf(promise: Promise<unknown>): Promise<ResponseSignatureRule> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ResponseSignatureError) return error.rule;
  throw new Error(`expected a ResponseSignatureError, got ${String(error)}`);
}

describe('verifyResponse', () => {
  test('accepts what signResponse makes for a signed request, returning the evidence', async () => {
    const { request, response } = await exchange();
    await expect(check({ request, response })).resolves.toEqual({
      label: 'sig1',
      keyId: 'rs-1',
      created: NOW_S,
      algorithm: 'ed25519',
      components: [
        '"@status"',
        '"content-digest"',
        '"@method";req',
        '"@target-uri";req',
        '"content-digest";req',
        '"signature";req;key="sig1"',
        '"signature-input";req;key="sig1"',
      ],
    });
  });

  test('accepts an empty-bodied answer to an unsigned GET, with a key resolver', async () => {
    const request = paymentRequest({ method: 'GET', body: undefined });
    const headers = signResponse({
      key: KEYS.aEd.private,
      keyId: 'rs-1',
      algorithm: 'ed25519',
      request,
      response: { status: 204, headers: {} },
      now: NOW_MS,
    });
    const verified = await check({
      request,
      response: { status: 204, headers: { ...headers } },
      key: (keyId) => (keyId === 'rs-1' ? RS_KEY : undefined),
    });
    expect(verified.components).toEqual(['"@status"', '"@method";req', '"@target-uri";req']);
  });

  test('signs with the responseSigning digestAlgorithm: sha-512 gives a sha-512 Content-Digest the client verifies', async () => {
    const v = verifier({
      responseSigning: {
        key: KEYS.aEd.private,
        keyId: 'rs-1',
        algorithm: 'ed25519',
        digestAlgorithm: 'sha-512',
      },
    });
    const request = signed();
    const verified = await v.verify(request, A);
    const headers = v.signResponse!(request, verified, {
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: RESPONSE_BODY,
    });
    expect(headers['content-digest']).toBe(
      `sha-512=:${createHash('sha512').update(RESPONSE_BODY).digest('base64')}:`,
    );
    const response = {
      status: 201,
      headers: { 'content-type': 'application/json', ...headers },
      body: RESPONSE_BODY,
    };
    await expect(check({ request, response })).resolves.toMatchObject({ keyId: 'rs-1' });
  });

  test('refuses a body changed after signing (digest)', async () => {
    const { request, response } = await exchange();
    const body = new TextEncoder().encode('{"status":"Rejected"}');
    await expect(ruleOf(check({ request, response: { ...response, body } }))).resolves.toBe(
      'digest',
    );
  });

  test('refuses a changed status (the signature covers @status)', async () => {
    const { request, response } = await exchange();
    await expect(ruleOf(check({ request, response: { ...response, status: 200 } }))).resolves.toBe(
      'invalid',
    );
  });

  test('refuses a response signed for another request: another request signature', async () => {
    const { response } = await exchange(signed(undefined, { nonce: 'first' }));
    const other = signed(undefined, { nonce: 'second' });
    await expect(ruleOf(check({ request: other, response }))).resolves.toBe('invalid');
  });

  test('refuses a response to a signed request that does not cover its signature;req', async () => {
    const request = signed();
    const headers = signResponse({
      key: KEYS.aEd.private,
      keyId: 'rs-1',
      algorithm: 'ed25519',
      request,
      response: { status: 201, headers: {}, body: RESPONSE_BODY },
      now: NOW_MS,
    });
    const response = { status: 201, headers: { ...headers }, body: RESPONSE_BODY };
    await expect(ruleOf(check({ request, response }))).resolves.toBe('components');
  });

  test.each([
    ['older than 60 s', NOW_MS - 61_000, 'created'],
    ['more than 5 s in the future', NOW_MS + 6_000, 'created'],
  ] as const)('refuses a created %s', async (_name, signedAt, rule) => {
    const { request, response } = await exchange(signed(), signedAt);
    await expect(ruleOf(check({ request, response }))).resolves.toBe(rule);
  });

  test('honours the clock and maxAgeSeconds options', async () => {
    const { request, response } = await exchange(signed(), NOW_MS - 100_000);
    await expect(check({ request, response, maxAgeSeconds: 120 })).resolves.toMatchObject({
      created: NOW_S - 100,
    });
    await expect(
      ruleOf(check({ request, response, clock: () => NOW_MS + 200_000, maxAgeSeconds: 120 })),
    ).resolves.toBe('created');
  });

  test.each([
    ['missing', (input: string) => input.replace(';tag="fapi-2-response"', '')],
    ['the request tag', (input: string) => input.replace('fapi-2-response', 'fapi-2-request')],
  ])('refuses a response whose tag is %s', async (_name, change) => {
    const { request, response } = await exchange();
    const headers = { ...response.headers };
    headers['signature-input'] = change(headers['signature-input'] as string);
    await expect(ruleOf(check({ request, response: { ...response, headers } }))).resolves.toBe(
      'tag',
    );
  });

  test('refuses an unsigned response', async () => {
    const { request } = await exchange();
    const response = { status: 201, headers: {}, body: RESPONSE_BODY };
    await expect(ruleOf(check({ request, response }))).resolves.toBe('missing');
  });

  test('refuses another key, an unknown keyid and an HMAC secret', async () => {
    const { request, response } = await exchange();
    await expect(ruleOf(check({ request, response, key: KEYS.b.public }))).resolves.toBe('alg');
    await expect(ruleOf(check({ request, response, key: OTHER_ED25519 }))).resolves.toBe('invalid');
    await expect(ruleOf(check({ request, response, key: () => undefined }))).resolves.toBe('key');
    await expect(
      ruleOf(check({ request, response, key: { ...RS_KEY, kid: 'rs-2' } })),
    ).resolves.toBe('key');
    const hmac = { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' };
    await expect(ruleOf(check({ request, response, key: hmac }))).resolves.toBe('alg');
  });

  test('throws a TypeError for a misspelt option or a private key', async () => {
    const { request, response } = await exchange();
    await expect(
      check({ request, response, maxAge: 10 } as unknown as VerifyResponseOptions),
    ).rejects.toThrow(
      new TypeError(
        'verifyResponse.maxAge: unknown option (known: response, request, key, maxAgeSeconds, clockToleranceSeconds, algorithms, clock)',
      ),
    );
    const privateJwk = KEYS.aEd.private.export({ format: 'jwk' });
    await expect(check({ request, response, key: privateJwk })).rejects.toThrow(TypeError);
  });
});

describe('verifyResponse with http-message-signatures (interop)', () => {
  /** The answer to `request`, signed by the library over `fields`. */
  async function signedByLibrary(request: ReturnType<typeof signed>, fields: string[]) {
    const base = { status: 201, headers: { 'content-type': 'application/json' } };
    const message = { ...base, headers: { ...base.headers, 'content-digest': DIGEST } };
    const libraryRequest = { method: request.method, url: request.url, headers: request.headers };
    const out = await httpbis.signMessage(
      {
        key: createSigner(KEYS.aEd.private, 'ed25519', 'rs-1'),
        name: 'sig1',
        fields,
        params: ['created', 'keyid', 'alg', 'tag'],
        paramValues: { created: new Date(NOW_MS), tag: 'fapi-2-response' },
      },
      message,
      libraryRequest,
    );
    return { status: 201, headers: out.headers as Record<string, string>, body: RESPONSE_BODY };
  }

  const FIELDS = [
    '@status',
    'content-digest',
    '"@method";req',
    '"@target-uri";req',
    '"content-digest";req',
    '"signature";req;key="sig1"',
    '"signature-input";req;key="sig1"',
  ];

  test('a response it signs under the FAPI profile verifies', async () => {
    const request = signed();
    const response = await signedByLibrary(request, FIELDS);
    await expect(check({ request, response })).resolves.toMatchObject({
      keyId: 'rs-1',
      algorithm: 'ed25519',
      components: FIELDS.map((field) => (field.startsWith('"') ? field : `"${field}"`)),
    });
  });

  test.each(['@status', '"signature";req;key="sig1"', 'content-digest'])(
    'a response it signs without %s is refused (components)',
    async (missing) => {
      const request = signed();
      const response = await signedByLibrary(
        request,
        FIELDS.filter((field) => field !== missing),
      );
      await expect(ruleOf(check({ request, response }))).resolves.toBe('components');
    },
  );
});
