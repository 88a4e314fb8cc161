// Interoperability with an independent RFC 9421 implementation (http-message-signatures):
// requests it signs verify here; responses signed here verify there, bound to their request.
import { createHash, createPublicKey } from 'node:crypto';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { isFapiError } from '@fapi-guard/core';
import { signResponse } from '../src/index.js';
import {
  A,
  BODY,
  KEYS,
  NOW_MS,
  paymentRequest,
  RESPONSE_BODY,
  signed,
  signedExchange,
  verifier,
} from './fixture.js';

const digest = `sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`;

/** A payment request signed by http-message-signatures with client a's key a1. */
async function signedByLibrary() {
  const request = paymentRequest();
  const message = {
    method: request.method,
    url: request.url,
    headers: { ...request.headers, 'content-digest': digest },
  };
  const out = await httpbis.signMessage(
    {
      key: createSigner(KEYS.a.private, 'ecdsa-p256-sha256', 'a1'),
      name: 'sig1',
      fields: ['@method', '@target-uri', 'authorization', 'dpop', 'content-digest'],
      params: ['created', 'keyid', 'tag'],
      paramValues: { created: new Date(NOW_MS), tag: 'fapi-2-request' },
    },
    message,
  );
  return { ...request, headers: out.headers as Record<string, string> };
}

describe('a request signed by http-message-signatures', () => {
  test('is accepted', async () => {
    const request = await signedByLibrary();
    await expect(verifier().verify(request, A)).resolves.toMatchObject({
      label: 'sig1',
      keyId: 'a1',
      components: ['"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'],
    });
  });

  test('is refused when its body is changed after signing', async () => {
    const request = await signedByLibrary();
    request.rawBody = new TextEncoder().encode('{"amount":"10.01","currency":"EUR"}');
    await expect(verifier().verify(request, A)).rejects.toMatchObject({
      code: 'ERR_FAPI_SIGNATURE_DIGEST',
    });
  });

  test('is refused when its DPoP proof is swapped after signing', async () => {
    const request = await signedByLibrary();
    request.headers.dpop = 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.replayed';
    const error = await verifier()
      .verify(request, A)
      .catch((e: unknown) => e);
    expect(isFapiError(error) && error.code).toBe('ERR_FAPI_SIGNATURE_INVALID');
  });
});

describe('signResponse', () => {
  const responseBody = RESPONSE_BODY;
  const exchange = () => signedExchange(signed(), NOW_MS + 1000);

  test('covers @status, content-digest, created, the tag and the request with ;req (RS-SIG-05)', async () => {
    const { headers } = await exchange();
    expect(headers['content-digest']).toBe(
      `sha-256=:${createHash('sha256').update(responseBody).digest('base64')}:`,
    );
    expect(headers['signature-input']).toBe(
      'sig1=("@status" "content-digest" "@method";req "@target-uri";req "content-digest";req "signature";req;key="sig1" "signature-input";req;key="sig1");created=1800000001;keyid="rs-1";alg="ed25519";tag="fapi-2-response"',
    );
    expect(headers.signature).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/);
  });

  test('verifies with http-message-signatures against the request it answers', async () => {
    const { request, headers } = await exchange();
    const libraryRequest = { method: request.method, url: request.url, headers: request.headers };
    const response = {
      status: 201,
      headers: { 'content-type': 'application/json', ...headers } as Record<string, string>,
    };
    const keyLookup = async () => ({
      id: 'rs-1',
      algs: ['ed25519'],
      verify: createVerifier(createPublicKey({ key: KEYS.aEd.public, format: 'jwk' }), 'ed25519'),
    });
    const config = { keyLookup, notAfter: NOW_MS + 60_000 };
    await expect(httpbis.verifyMessage(config, response, libraryRequest)).resolves.toBe(true);
    const otherRequest = { ...libraryRequest, url: 'https://api.bank.example/other' };
    await expect(httpbis.verifyMessage(config, response, otherRequest)).resolves.toBe(false);
  });

  test('omits content-digest for an empty body and the request signature when it was unsigned', () => {
    const request = paymentRequest({ method: 'GET', body: undefined });
    const headers = signResponse({
      key: KEYS.a.private,
      keyId: 'rs-1',
      algorithm: 'ecdsa-p256-sha256',
      request,
      response: { status: 204, headers: {} },
      now: NOW_MS,
    });
    expect(headers['content-digest']).toBeUndefined();
    expect(headers['signature-input']).toBe(
      'sig1=("@status" "@method";req "@target-uri";req);created=1800000000;keyid="rs-1";alg="ecdsa-p256-sha256";tag="fapi-2-response"',
    );
  });

  test('refuses a key that does not fit the algorithm, and an unknown algorithm', () => {
    const base = {
      keyId: 'rs-1',
      request: paymentRequest(),
      response: { status: 200, headers: {} },
    };
    expect(() => signResponse({ ...base, key: KEYS.a.private, algorithm: 'ed25519' })).toThrow(
      /^key: /,
    );
    expect(() =>
      signResponse({ ...base, key: KEYS.a.private, algorithm: 'hmac-sha256' as never }),
    ).toThrow(/^algorithm: /);
  });
});
