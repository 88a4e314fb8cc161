import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { isFapiError, memoryReplayStore } from '@fapi-guard/core';
import { replayKey } from '../src/algorithms.js';
import {
  A,
  BODY,
  DIRECTORY,
  KEYS,
  NOW_MS,
  NOW_S,
  URL_PAYMENTS,
  paymentRequest,
  resigned,
  signed,
  verifier,
} from './fixture.js';
import type { SignedRequestLike, VerifySignatureContext } from '../src/index.js';

async function rejection(
  request: SignedRequestLike,
  context: VerifySignatureContext = A,
  v = verifier(),
) {
  try {
    await v.verify(request, context);
  } catch (error) {
    if (!isFapiError(error)) throw error;
    return { code: error.code, status: error.status, body: error.body(), headers: error.headers };
  }
  throw new Error('the request was accepted');
}

const covering = (...components: string[]) => ({ components });

describe('signed requests that must be accepted', () => {
  test('accepts a signed POST with content-digest and DPoP covered, and returns the evidence', async () => {
    const request = signed();
    const verified = await verifier().verify(request, A);
    expect(verified).toEqual({
      label: 'sig1',
      keyId: 'a1',
      clientId: 'client-a',
      algorithm: 'ecdsa-p256-sha256',
      created: NOW_S,
      expires: undefined,
      nonce: undefined,
      components: ['"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'],
      signatureInput:
        '("@method" "@target-uri" "authorization" "dpop" "content-digest");created=1800000000;keyid="a1";tag="fapi-2-request"',
      signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
  });

  test('accepts a signed GET without a body and without content-digest', async () => {
    const request = signed(paymentRequest({ method: 'GET', body: undefined }));
    expect(request.headers['content-digest']).toBeUndefined();
    await expect(verifier().verify(request, A)).resolves.toMatchObject({ keyId: 'a1' });
  });

  test.each([
    ['ed25519 (key a2, no alg)', 'a2', KEYS.aEd, 'ed25519'],
    ['PS256 (key a3, JWS name via RFC 9421 §3.3.7)', 'a3', KEYS.aRsa, 'PS256'],
    ['rsa-pss-sha512 (key a4)', 'a4', KEYS.aRsaPss, 'rsa-pss-sha512'],
  ] as const)('accepts %s', async (_name, keyId, key, algorithm) => {
    const request = signed(paymentRequest(), { keyId, key: key.private, algorithm });
    await expect(verifier().verify(request, A)).resolves.toMatchObject({ keyId, algorithm });
  });

  test('accepts a signature created exactly maxAgeSeconds ago', async () => {
    const request = signed(paymentRequest(), { now: NOW_MS - 60_000 });
    await expect(verifier().verify(request, A)).resolves.toMatchObject({ created: NOW_S - 60 });
  });

  test('accepts a sha-512 Content-Digest', async () => {
    const request = signed(paymentRequest(), { digestAlgorithm: 'sha-512' });
    expect(request.headers['content-digest']).toMatch(/^sha-512=:/);
    await expect(verifier().verify(request, A)).resolves.toBeDefined();
  });

  test('optional mode: an unsigned request passes without evidence (RS-SIG-01)', async () => {
    const request = paymentRequest();
    await expect(
      verifier().verify(request, { clientId: 'client-a', signedRequest: 'optional' }),
    ).resolves.toBeUndefined();
  });

  test('optional mode still verifies a signature that is present', async () => {
    const request = signed();
    request.headers.authorization = 'DPoP another-token';
    await expect(
      rejection(request, { clientId: 'client-a', signedRequest: 'optional' }),
    ).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_INVALID' });
  });
});

describe('reject vectors (401, a stable code, a JSON body without secrets)', () => {
  test('N56 rejects a request without Signature and Signature-Input in required mode (RS-SIG-06: 401, JSON body, no challenge scheme)', async () => {
    const result = await rejection(paymentRequest());
    expect(result).toEqual({
      code: 'ERR_FAPI_SIGNATURE_MISSING',
      status: 401,
      body: {
        error: 'unauthorized',
        error_description: 'The request must carry an HTTP message signature',
      },
      headers: { 'cache-control': 'no-store' },
    });
  });

  test.each(['signature', 'signature-input'])(
    'N56 rejects a request missing only %s',
    async (name) => {
      const request = signed();
      delete request.headers[name];
      await expect(rejection(request)).resolves.toMatchObject({
        code: 'ERR_FAPI_SIGNATURE_MISSING',
      });
    },
  );

  test.each([
    ['another tag', { tag: 'fapi-2-response' }],
    ['no fapi tag', { tag: 'header-example' }],
  ])('N57 rejects a signature with %s', async (_name, options) => {
    await expect(rejection(signed(paymentRequest(), options))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_TAG',
      status: 401,
    });
  });

  test.each([
    ['@method', covering('@target-uri', 'authorization', 'dpop', 'content-digest')],
    ['@target-uri', covering('@method', 'authorization', 'dpop', 'content-digest')],
    ['authorization', covering('@method', '@target-uri', 'dpop', 'content-digest')],
    [
      'dpop (the header is present)',
      covering('@method', '@target-uri', 'authorization', 'content-digest'),
    ],
    [
      'content-digest (there is a body)',
      covering('@method', '@target-uri', 'authorization', 'dpop'),
    ],
  ])('N58 rejects a signature that does not cover %s', async (_name, options) => {
    await expect(rejection(signed(paymentRequest(), options))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_COMPONENTS',
    });
  });

  test('N58 rejects a signature covering a header the request does not have', async () => {
    const options = covering(
      '@method',
      '@target-uri',
      'authorization',
      'dpop',
      'content-digest',
      'x-idempotency-key',
    );
    const request = paymentRequest();
    request.headers['x-idempotency-key'] = 'k1';
    const sent = signed(request, options);
    delete sent.headers['x-idempotency-key'];
    await expect(rejection(sent)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_COMPONENTS' });
  });

  test('N59 rejects a signature without created', async () => {
    const request = signed();
    request.headers['signature-input'] = request.headers['signature-input']!.replace(
      /;created=\d+/,
      '',
    );
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_CREATED' });
  });

  test('N59 rejects a signature created more than maxAgeSeconds ago', async () => {
    const request = signed(paymentRequest(), { now: NOW_MS - 61_000 });
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_CREATED' });
  });

  test('N59 honours a shorter maxAgeSeconds', async () => {
    const request = signed(paymentRequest(), { now: NOW_MS - 11_000 });
    await expect(rejection(request, A, verifier({ maxAgeSeconds: 10 }))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_CREATED',
    });
  });

  test('N59 rejects a signature created in the future beyond the clock tolerance', async () => {
    const request = signed(paymentRequest(), { now: NOW_MS + 6_000 });
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_CREATED' });
  });

  test('rejects a signature whose expires has passed', async () => {
    const request = signed(paymentRequest(), { expires: NOW_S });
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_EXPIRED' });
  });

  test.each([
    ['a string', 'x'],
    ['a decimal', NOW_S + 30.5],
  ])('rejects a signed-in expires that is %s, not an integer', async (_name, expires) => {
    const request = signed(paymentRequest(), { expires: expires as number });
    await expect(rejection(request)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_MALFORMED',
      status: 401,
    });
  });

  test('N60 rejects a body changed after signing (digest recomputed over the raw bytes, RS-SIG-03)', async () => {
    const request = signed();
    request.rawBody = new TextEncoder().encode('{"amount":"99999.00","currency":"EUR"}');
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_DIGEST' });
  });

  test.each([
    ['an unknown algorithm', 'md5=:1B2M2Y8AsgTpgAmY7PhCfg==:'],
    ['an unknown algorithm next to a good one', 'sha-256=:X:, unixsum=:AAA=:'],
    ['a value that is not a byte sequence', 'sha-256="abc"'],
    ['a value that is not a dictionary', '@@@'],
  ])('N60 rejects a Content-Digest with %s', async (_name, value) => {
    const request = signed();
    const good = request.headers['content-digest']!;
    request.headers['content-digest'] = value.replace('sha-256=:X:', good);
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_DIGEST' });
  });

  test('N60 rejects an empty Content-Digest, covered and signed, for a request with a body', async () => {
    const unsent = paymentRequest({ body: undefined });
    unsent.headers['content-digest'] = '';
    const request = {
      ...signed(
        unsent,
        covering('@method', '@target-uri', 'authorization', 'dpop', 'content-digest'),
      ),
      rawBody: BODY,
    };
    await expect(rejection(request)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_DIGEST',
      status: 401,
    });
  });

  test('N60 rejects a covered Content-Digest that was removed', async () => {
    const request = signed();
    delete request.headers['content-digest'];
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_DIGEST' });
  });
});

describe('the signature, its key and its algorithm', () => {
  test('rejects a request whose Authorization changed after signing', async () => {
    const request = signed();
    request.headers.authorization = 'DPoP eyJhbGciOiJFUzI1NiJ9.e30.other';
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_INVALID' });
  });

  test('rejects a signature made for another @target-uri (the URL the server serves, RS-SIG-03)', async () => {
    const request = signed({ ...paymentRequest(), url: 'https://api.bank.example/accounts' });
    await expect(rejection({ ...request, url: URL_PAYMENTS })).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_INVALID',
    });
  });

  test("rejects another client's key: client b's keyid is not looked up for client a (RS-SIG-02)", async () => {
    const request = signed(paymentRequest(), { key: KEYS.b.private, keyId: 'b1' });
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_KEY' });
    await expect(
      verifier().verify(request, { clientId: 'client-b', signedRequest: 'required' }),
    ).resolves.toMatchObject({ clientId: 'client-b' });
  });

  test("rejects a signature by client b's key under client a's keyid", async () => {
    const request = signed(paymentRequest(), { key: KEYS.b.private, keyId: 'a1' });
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_INVALID' });
  });

  test('a rotated key verifies only its own signatures, also when the resolver alters one JWK object in place (imported keys are kept by their content)', async () => {
    const jwk: Record<string, unknown> = { ...KEYS.a.public };
    const v = verifier({ resolveClientKey: () => jwk as never });
    const byA = signed();
    const byB = signed(paymentRequest(), { key: KEYS.b.private });
    await expect(v.verify(byA, A)).resolves.toMatchObject({ keyId: 'a1' });
    await expect(rejection(byB, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_INVALID',
    });
    Object.assign(jwk, KEYS.b.public); // the same object now holds client b's key
    await expect(rejection(byA, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_INVALID',
    });
    await expect(v.verify(byB, A)).resolves.toMatchObject({ keyId: 'a1' });
    jwk.x = 'not-a-coordinate'; // and now no key at all
    await expect(rejection(byB, A, v)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_ALG' });
  });

  test('rejects a resolver answer that is a private JWK (with d)', async () => {
    const v = verifier({ resolveClientKey: () => KEYS.a.private.export({ format: 'jwk' }) });
    await expect(rejection(signed(), A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_KEY',
      status: 401,
    });
  });

  test('rejects an unknown keyid, and a request without a client identity', async () => {
    await expect(rejection(signed(paymentRequest(), { keyId: 'a9' }))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_KEY',
    });
    await expect(
      rejection(signed(), { clientId: undefined, signedRequest: 'required' }),
    ).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_KEY' });
  });

  test('never accepts HMAC: a shared-secret key, or alg="hmac-sha256"', async () => {
    await expect(rejection(signed(paymentRequest(), { keyId: 'hmac' }))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_ALG',
    });
    const request = signed();
    request.headers['signature-input'] += ';alg="hmac-sha256"';
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_ALG' });
  });

  test('rejects an alg parameter that does not fit the key, and a JWS name as alg', async () => {
    for (const alg of ['ed25519', 'ES256']) {
      const request = signed();
      request.headers['signature-input'] += `;alg="${alg}"`;
      await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_ALG' });
    }
  });

  test("rejects a signed-in alg parameter other than the JWK's alg, though the key fits both (PS256 key, rsa-pss-sha512 signature)", async () => {
    const template = signed(paymentRequest(), {
      keyId: 'a3',
      key: KEYS.aRsa.private,
      algorithm: 'PS256',
    });
    const request = resigned(template, {
      key: KEYS.aRsa.private,
      algorithm: 'rsa-pss-sha512',
      parameters: { alg: 'rsa-pss-sha512' },
    });
    await expect(rejection(request)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_ALG',
      status: 401,
    });
  });

  test('rejects an RSA key of fewer than 2048 bits', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...small.publicKey.export({ format: 'jwk' }), alg: 'PS256' };
    const v = verifier({
      resolveClientKey: (clientId, keyId) =>
        clientId === 'client-a' && keyId === 'rsa-1024' ? jwk : undefined,
    });
    const template = signed(paymentRequest(), {
      keyId: 'rsa-1024',
      key: KEYS.aRsa.private,
      algorithm: 'PS256',
    });
    const request = resigned(template, { key: small.privateKey, algorithm: 'PS256' });
    await expect(rejection(request, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_ALG',
      status: 401,
    });
  });

  test('an alg parameter appended after signing breaks the signature', async () => {
    // The alg parameter is covered by @signature-params, so it must be signed in, not appended.
    const request = signed();
    request.headers['signature-input'] += ';alg="ecdsa-p256-sha256"';
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_INVALID' });
  });

  test('rejects an algorithm outside the configured list', async () => {
    const v = verifier({ algorithms: ['ed25519'] });
    await expect(rejection(signed(), A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_ALG',
    });
  });

  test('rejects an RSA key without alg (PS256 or rsa-pss-sha512 cannot be told apart)', async () => {
    const request = signed(paymentRequest(), {
      keyId: 'a5',
      key: KEYS.aRsaBare.private,
      algorithm: 'PS256',
    });
    await expect(rejection(request)).resolves.toMatchObject({ code: 'ERR_FAPI_SIGNATURE_ALG' });
  });

  test('rejects a nonce used twice (RS-SIG-04)', async () => {
    const v = verifier();
    const request = signed(paymentRequest(), { nonce: 'n-1' });
    await expect(v.verify(request, A)).resolves.toMatchObject({ nonce: 'n-1' });
    await expect(rejection(request, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_REPLAY',
    });
  });

  test('checks a nonce in the configured replay store, kept for the whole window (maxAgeSeconds + clock tolerance) (RS-SIG-04)', async () => {
    const calls: Array<{ key: string; ttl: number }> = [];
    const v = verifier({
      maxAgeSeconds: 120,
      clockToleranceSeconds: 10,
      replayStore: {
        checkAndStore: (key, ttl) => {
          calls.push({ key, ttl });
          return false;
        },
      },
    });
    const request = signed(paymentRequest(), { nonce: 'n-store' });
    await expect(rejection(request, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_REPLAY',
      status: 401,
    });
    expect(calls).toEqual([
      { key: replayKey('client-a', 'a1', 'n-store'), ttl: expect.any(Number) },
    ]);
    expect(calls[0]!.ttl).toBeGreaterThanOrEqual(130);
  });

  test('a nonce is one per client and keyid: the same nonce from another client or under another keyid is accepted (RS-SIG-04)', async () => {
    const keys: Record<string, Record<string, JsonWebKey>> = {
      'client-a': { k1: KEYS.a.public, k2: KEYS.aEd.public },
      'client-b': { k1: KEYS.b.public },
    };
    const v = verifier({ resolveClientKey: (clientId, keyId) => keys[clientId]?.[keyId] });
    const byA = signed(paymentRequest(), { keyId: 'k1', nonce: 'n-shared' });
    const byB = signed(paymentRequest(), { keyId: 'k1', key: KEYS.b.private, nonce: 'n-shared' });
    const byA2 = signed(paymentRequest(), {
      keyId: 'k2',
      key: KEYS.aEd.private,
      algorithm: 'ed25519',
      nonce: 'n-shared',
    });
    const B = { clientId: 'client-b', signedRequest: 'required' } as const;
    await expect(v.verify(byA, A)).resolves.toMatchObject({ clientId: 'client-a', keyId: 'k1' });
    await expect(v.verify(byB, B)).resolves.toMatchObject({ clientId: 'client-b', keyId: 'k1' });
    await expect(v.verify(byA2, A)).resolves.toMatchObject({ clientId: 'client-a', keyId: 'k2' });
    await expect(rejection(byA, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_REPLAY',
    });
  });

  test('an asynchronous key resolver and replay store are awaited: key, signature and nonce still checked (RS-SIG-04)', async () => {
    const store = memoryReplayStore();
    const v = verifier({
      resolveClientKey: async (clientId, keyId) => DIRECTORY[clientId]?.[keyId],
      replayStore: { checkAndStore: async (key, ttl) => store.checkAndStore(key, ttl) },
    });
    const request = signed(paymentRequest(), { nonce: 'n-async' });
    await expect(v.verify(request, A)).resolves.toMatchObject({ keyId: 'a1', nonce: 'n-async' });
    await expect(rejection(request, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_REPLAY',
    });
    const unknown = signed(paymentRequest(), { keyId: 'a9', nonce: 'n-async-2' });
    await expect(rejection(unknown, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_KEY',
    });
    const other = signed(paymentRequest(), { key: KEYS.b.private, nonce: 'n-async-3' });
    await expect(rejection(other, A, v)).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_INVALID',
    });
  });

  test('rejects malformed headers', async () => {
    for (const [name, value] of [
      ['signature-input', 'sig1=("@method"'],
      ['signature', 'sig1="not bytes"'],
      ['signature', 'other=:AAAA:'],
    ] as const) {
      const request = signed();
      request.headers[name] = value;
      await expect(rejection(request)).resolves.toMatchObject({
        code: 'ERR_FAPI_SIGNATURE_MALFORMED',
      });
    }
  });

  test('rejects a repeated component and an unsupported component parameter', async () => {
    for (const input of [
      'sig1=("@method" "@method" "@target-uri" "authorization" "dpop" "content-digest");created=1800000000;keyid="a1";tag="fapi-2-request"',
      'sig1=("@method" "@target-uri" "authorization" "dpop" "content-digest" "date";bs);created=1800000000;keyid="a1";tag="fapi-2-request"',
    ]) {
      const request = signed();
      request.headers['signature-input'] = input;
      request.headers.date = 'x';
      await expect(rejection(request)).resolves.toMatchObject({
        code: 'ERR_FAPI_SIGNATURE_MALFORMED',
      });
    }
  });

  test('a repeat is found among a few components and among many (over 16), and many distinct ones verify', async () => {
    const extra = Array.from({ length: 15 }, (_, i) => `x-h${i}`);
    const request = paymentRequest();
    for (const name of extra) request.headers[name] = `value of ${name}`;
    const required = ['@method', '@target-uri', 'authorization', 'dpop', 'content-digest'];
    const many = [...required, ...extra];
    await expect(
      verifier().verify(signed(request, { components: many }), A),
    ).resolves.toMatchObject({
      components: many.map((name) => `"${name}"`),
    });
    for (const list of [
      [...required, '@method'],
      [...many, 'x-h3'],
    ]) {
      const repeated = signed(request, { components: many });
      repeated.headers['signature-input'] =
        `sig1=(${list.map((name) => `"${name}"`).join(' ')});created=1800000000;keyid="a1";tag="fapi-2-request"`;
      await expect(rejection(repeated)).resolves.toMatchObject({
        code: 'ERR_FAPI_SIGNATURE_MALFORMED',
      });
    }
  });

  test('signature bases of every size verify in any order, and a changed one does not', async () => {
    // A base's bytes go through one reused buffer up to 16 KiB and their own above.
    const sized = (length: number) => {
      const request = paymentRequest();
      request.headers['x-evidence'] = 'é'.repeat(length);
      const components = ['@method', '@target-uri', 'authorization', 'dpop', 'content-digest'];
      return signed(request, { components: [...components, 'x-evidence'] });
    };
    const requests = [sized(10), sized(7000), sized(300), sized(20_000), sized(1)];
    for (const request of [...requests, ...requests.reverse()]) {
      await expect(verifier().verify(request, A)).resolves.toMatchObject({ keyId: 'a1' });
      const changed = { ...request, headers: { ...request.headers } };
      changed.headers['x-evidence'] = `${changed.headers['x-evidence']}é`;
      await expect(rejection(changed)).resolves.toMatchObject({
        code: 'ERR_FAPI_SIGNATURE_INVALID',
      });
    }
  });

  test('no description names the key id, the signature or a header value', async () => {
    const request = signed(paymentRequest(), { keyId: 'secret-key-id-42' });
    const { body } = await rejection(request);
    expect(JSON.stringify(body)).not.toContain('secret-key-id-42');
    expect(JSON.stringify(body)).not.toContain(request.headers.signature!.slice(6, 20));
  });
});

describe('set-up mistakes are TypeErrors, never a skipped check', () => {
  test('a body announced without rawBody', async () => {
    const request = signed();
    const { rawBody: _omit, ...rest } = request;
    const withLength = {
      ...rest,
      headers: { ...rest.headers, 'content-length': String(BODY.length) },
    };
    await expect(verifier().verify(withLength, A)).rejects.toThrow(/^rawBody: /);
  });

  test('a misspelt signedRequest mode', async () => {
    await expect(
      verifier().verify(signed(), { clientId: 'client-a', signedRequest: 'require' as never }),
    ).rejects.toThrow(TypeError);
  });

  test.each([
    [{ maxAgeSecs: 60 }, /^httpSignatures\.maxAgeSecs: unknown option/],
    [{ algorithms: ['hmac-sha256'] }, /^httpSignatures\.algorithms: hmac-sha256 is not one of/],
    [{ algorithms: [] }, /^httpSignatures\.algorithms: must be a non-empty array/],
    [{ maxAgeSeconds: 3600 }, /^httpSignatures\.maxAgeSeconds: /],
    [{ resolveClientKey: 'x' }, /^httpSignatures\.resolveClientKey: must be a function/],
    [{ replayStore: {} }, /^httpSignatures\.replayStore: /],
  ])('refuses %j', (options, message) => {
    expect(() => verifier(options as never)).toThrow(message);
  });
});
