// Core's `httpSignatures` option and `signedRequest` requirement with the real verifier: real
// access tokens and DPoP proofs from the test kit, real client signatures.
import { createTestFixture, type TestFixture } from '@fapi-guard/testing';
import {
  assertRequirements,
  createResourceServer,
  isFapiError,
  mergeRequirements,
  type RequestLike,
  type ResourceServer,
} from '@fapi-guard/core';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { httpSignatures, signRequest } from '../src/index.js';
import { BODY, KEYS, NOW_MS } from './fixture.js';

const URL = 'https://api.bank.test/domestic-payments';
let f: TestFixture;
let rs: ResourceServer;

beforeAll(async () => {
  f = await createTestFixture();
  rs = createResourceServer({
    ...f.options,
    httpSignatures: httpSignatures({
      resolveClientKey: (clientId, keyId) =>
        clientId === 'client-1' && keyId === 'k1' ? KEYS.a.public : undefined,
      clock: () => NOW_MS,
    }),
  });
});
afterAll(() => rs.close());

async function paymentRequest(
  sign = true,
  key = KEYS.a.private,
): Promise<RequestLike & { headers: Record<string, string>; rawBody: Uint8Array }> {
  const headers: Record<string, string> = {
    ...(await f.dpopHeaders(URL, 'POST')),
    'content-type': 'application/json',
  };
  const request = { method: 'POST', url: URL, headers, rawBody: BODY };
  if (!sign) return request;
  const signed = signRequest({
    key,
    keyId: 'k1',
    algorithm: 'ecdsa-p256-sha256',
    request,
    now: NOW_MS,
  });
  return { ...request, headers: { ...headers, ...signed } };
}

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isFapiError(error))
      return { code: error.code, status: error.status, headers: error.headers };
    throw error;
  }
  throw new Error('accepted');
}

const SIGNED = { scopes: ['payments'], signedRequest: 'required' } as const;

describe('core with httpSignatures', () => {
  test('verifies a signed request after the token and DPoP proof, and puts the evidence on the principal (RS-SIG-01)', async () => {
    const principal = await rs.verify(await paymentRequest(), SIGNED);
    expect(principal.clientId).toBe('client-1');
    expect(principal.signature).toMatchObject({
      label: 'sig1',
      keyId: 'k1',
      created: NOW_MS / 1000,
      components: ['"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'],
    });
  });

  test('refuses an unsigned request on a signedRequest route with 401 and the interaction id', async () => {
    const result = await codeOf(rs.verify(await paymentRequest(false), SIGNED));
    expect(result).toMatchObject({ code: 'ERR_FAPI_SIGNATURE_MISSING', status: 401 });
    expect(result.headers['x-fapi-interaction-id']).toMatch(/^[0-9a-f-]{36}$/);
    // RFC 9110 §15.5.2: a 401 carries a challenge; no error= (no OAuth error describes it).
    expect(result.headers['www-authenticate']).toMatch(/^DPoP /);
    expect(result.headers['www-authenticate']).not.toContain('error=');
  });

  test('@target-uri keeps the query, which htu leaves out: a changed query is refused (RS-SIG-03)', async () => {
    const url = 'https://api.bank.test/accounts?from=2026-01-01';
    const signedFor = async () => {
      const headers: Record<string, string> = await f.dpopHeaders(url, 'GET');
      const request = { method: 'GET', url, headers };
      const signature = signRequest({
        key: KEYS.a.private,
        keyId: 'k1',
        algorithm: 'ecdsa-p256-sha256',
        request,
        now: NOW_MS,
      });
      return { ...request, headers: { ...headers, ...signature } };
    };
    await expect(rs.verify(await signedFor(), SIGNED)).resolves.toMatchObject({
      signature: { keyId: 'k1' },
    });
    // The DPoP proof (htu has no query) still fits; only the signature notices.
    const changed = {
      ...(await signedFor()),
      url: 'https://api.bank.test/accounts?from=1970-01-01',
    };
    await expect(codeOf(rs.verify(changed, SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_INVALID',
    });
  });

  test('a route without signedRequest does not check signatures', async () => {
    const principal = await rs.verify(await paymentRequest(false), { scopes: ['payments'] });
    expect(principal.signature).toBeUndefined();
  });

  test('checks the token first: a bad token is a token error, not a signature error (RS-SIG-03)', async () => {
    const request = await paymentRequest();
    request.headers.authorization = 'DPoP not-a-token';
    await expect(codeOf(rs.verify(request, SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_TOKEN_MALFORMED',
    });
  });

  test("a signature by another key under the token client's keyid does not verify (RS-SIG-02)", async () => {
    const request = await paymentRequest(true, KEYS.b.private);
    await expect(codeOf(rs.verify(request, SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_INVALID',
    });
  });

  test('refuses a body changed after signing', async () => {
    const request = await paymentRequest();
    request.rawBody = new TextEncoder().encode('{"amount":"1000000.00","currency":"EUR"}');
    await expect(codeOf(rs.verify(request, SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_DIGEST',
    });
  });

  test('a body without rawBody is a 500 set-up error, never a skipped digest', async () => {
    const { rawBody: _omit, ...request } = await paymentRequest();
    request.headers['content-length'] = String(BODY.length);
    await expect(codeOf(rs.verify(request, SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_MISCONFIGURED',
      status: 500,
    });
  });

  test('authorize() passes signedRequest only for a principal whose signature was verified', async () => {
    const verified = await rs.verify(await paymentRequest(), SIGNED);
    expect(rs.authorize(verified, { signedRequest: 'required' })).toBe(verified);
    const unsigned = await rs.verify(await paymentRequest(false));
    expect(() => rs.authorize(unsigned, { signedRequest: 'optional' })).toThrow(
      expect.objectContaining({ code: 'ERR_FAPI_MISCONFIGURED' }),
    );
  });
});

describe('set-up', () => {
  test('a signedRequest route on a server without httpSignatures is a 500, never a pass', async () => {
    const plain = createResourceServer(f.options);
    await expect(codeOf(plain.verify(await paymentRequest(), SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_MISCONFIGURED',
      status: 500,
    });
  });

  test('httpSignatures must be the verifier, not its options', () => {
    const options = { ...f.options, httpSignatures: { resolveClientKey: () => undefined } };
    expect(() => createResourceServer(options as never)).toThrow(
      /^httpSignatures: must be the verifier/,
    );
  });

  test("signedRequest is 'required' or 'optional'; merging keeps the stricter", () => {
    expect(() => assertRequirements('route', { signedRequest: 'yes' })).toThrow(
      "route: signedRequest must be 'required' or 'optional'",
    );
    expect(mergeRequirements({ signedRequest: 'optional' }, { signedRequest: 'required' })).toEqual(
      { signedRequest: 'required' },
    );
  });
});

describe('forRequest(...).require with signedRequest (the adapters’ pipeline)', () => {
  test('verifies the signature on the requirement, describing the request afresh for its rawBody', async () => {
    const request = await paymentRequest();
    // A body parser has not run yet when the guard verifies...
    const captured: { rawBody?: Uint8Array } = {};
    const authorization = rs.forRequest({}, () => ({ ...request, rawBody: captured.rawBody }));
    await expect(authorization.principal()).resolves.toMatchObject({ clientId: 'client-1' });
    captured.rawBody = request.rawBody; // ...and has when the route's requirement runs
    const principal = await authorization.require(SIGNED);
    expect(principal.signature).toMatchObject({ keyId: 'k1', label: 'sig1' });
    // A second requirement does not verify again (a nonce would be a replay): the same evidence.
    await expect(authorization.require({ signedRequest: 'required' })).resolves.toMatchObject({
      signature: principal.signature,
    });
  });

  test('refuses a bad signature in the principal’s scheme, with its interaction id', async () => {
    const request = await paymentRequest(true, KEYS.b.private);
    const authorization = rs.forRequest({}, () => request);
    const principal = await authorization.principal();
    const result = await codeOf(authorization.require(SIGNED));
    expect(result).toMatchObject({ code: 'ERR_FAPI_SIGNATURE_INVALID', status: 401 });
    expect(result.headers['www-authenticate']).toMatch(/^DPoP /);
    expect(result.headers['x-fapi-interaction-id']).toBe(principal.interactionId);
  });

  test('an unsigned request passes optional, then is refused by a later required', async () => {
    const request = await paymentRequest(false);
    const unsigned = rs.forRequest({}, () => request);
    const optional = await unsigned.require({ signedRequest: 'optional' });
    expect(optional.signature).toBeUndefined();
    await expect(codeOf(unsigned.require(SIGNED))).resolves.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_MISSING',
    });
  });
});

describe('response signing through core', () => {
  const rsKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const responseBody = new TextEncoder().encode('{"status":"AcceptedSettlementInProcess"}');
  let signer: ResourceServer;
  beforeAll(() => {
    signer = createResourceServer({
      ...f.options,
      httpSignatures: httpSignatures({
        resolveClientKey: (clientId, keyId) =>
          clientId === 'client-1' && keyId === 'k1' ? KEYS.a.public : undefined,
        clock: () => NOW_MS,
        responseSigning: { key: rsKey.privateKey, keyId: 'rs-1', algorithm: 'ecdsa-p256-sha256' },
      }),
    });
  });
  afterAll(() => signer.close());

  test('signs the exact bytes, bound to the verified request signature (RS-SIG-05)', async () => {
    const request = await paymentRequest();
    const principal = await signer.verify(request, SIGNED);
    expect(signer.signsResponses).toBe(true);
    const headers = signer.signResponse(request, principal, {
      status: 201,
      headers: { 'content-type': 'application/json' },
      body: responseBody,
    });
    expect(headers['content-digest']).toBe(
      `sha-256=:${createHash('sha256').update(responseBody).digest('base64')}:`,
    );
    expect(headers['signature-input']).toMatch(
      /^sig1=\("@status" "content-digest" "@method";req "@target-uri";req "content-digest";req "signature";req;key="sig1" "signature-input";req;key="sig1"\);created=1800000000;keyid="rs-1";alg="ecdsa-p256-sha256";tag="fapi-2-response"$/,
    );
    expect(headers.signature).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/);
  });

  test('a server without a response key refuses to sign: 500, never an unsigned answer', async () => {
    const request = await paymentRequest();
    expect(rs.signsResponses).toBe(false);
    expect(() =>
      rs.signResponse(request, undefined, { status: 200, headers: {}, body: responseBody }),
    ).toThrow(expect.objectContaining({ code: 'ERR_FAPI_MISCONFIGURED', status: 500 }));
  });

  test('responseSigning is checked once: unknown keys, public keys and wrong algorithms are TypeErrors', () => {
    const base = { resolveClientKey: () => undefined };
    const good = { key: rsKey.privateKey, keyId: 'rs-1', algorithm: 'ecdsa-p256-sha256' } as const;
    expect(() =>
      httpSignatures({ ...base, responseSigning: { ...good, kid: 'x' } as never }),
    ).toThrow(/^httpSignatures\.responseSigning\.kid: unknown option/);
    expect(() =>
      httpSignatures({ ...base, responseSigning: { ...good, key: rsKey.publicKey } }),
    ).toThrow(/^httpSignatures\.responseSigning\.key: must be a private key for ecdsa-p256-sha256/);
    expect(() =>
      httpSignatures({ ...base, responseSigning: { ...good, algorithm: 'ed25519' } }),
    ).toThrow(/^httpSignatures\.responseSigning\.key: must be a private key for ed25519/);
    expect(() =>
      httpSignatures({ ...base, responseSigning: { ...good, algorithm: 'hmac-sha256' as never } }),
    ).toThrow(/^httpSignatures\.responseSigning\.algorithm: must be one of/);
    expect(() => httpSignatures({ ...base, responseSigning: { ...good, keyId: '' } })).toThrow(
      /^httpSignatures\.responseSigning\.keyId: must be a non-empty string/,
    );
  });
});
