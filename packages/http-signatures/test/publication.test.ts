import { createResourceServer } from '@fapi-guard/core';
import { createTestFixture } from '@fapi-guard/testing';
import { createPublicKey } from 'node:crypto';
import { createVerifier, httpbis } from 'http-message-signatures';
import {
  responseSigningJwk,
  responseSigningMetadata,
  signResponse,
  SIGNATURE_ALGORITHMS,
} from '../src/index.js';
import { A, KEYS, NOW_MS, signed, verifier } from './fixture.js';

describe('publishing the response key (RS-SIG-05)', () => {
  test('the RFC 9728 document carries jwks_uri and resource_signing_alg_values_supported', async () => {
    const f = await createTestFixture();
    const rs = createResourceServer(f.options);
    const members = responseSigningMetadata('https://api.bank.example/jwks', [
      'ed25519',
      'ecdsa-p256-sha256',
    ]);
    expect(rs.metadata(members)).toMatchObject({
      jwks_uri: 'https://api.bank.example/jwks',
      resource_signing_alg_values_supported: ['EdDSA', 'ES256'],
    });
    await rs.close();
  });

  test('the published JWK verifies a response signature (with http-message-signatures)', async () => {
    const jwk = responseSigningJwk(KEYS.aEd.private, 'rs-1', 'ed25519');
    expect(jwk).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      kid: 'rs-1',
      alg: 'ed25519',
      use: 'sig',
    });
    expect(jwk).not.toHaveProperty('d');
    const request = signed();
    const headers = signResponse({
      key: KEYS.aEd.private,
      keyId: 'rs-1',
      algorithm: 'ed25519',
      request,
      requestSignature: await verifier().verify(request, A),
      response: { status: 200, headers: {} },
      now: NOW_MS,
    });
    const keyLookup = async () => ({
      id: 'rs-1',
      algs: ['ed25519'],
      verify: createVerifier(createPublicKey({ key: jwk, format: 'jwk' }), 'ed25519'),
    });
    const response = { status: 200, headers: { ...headers } as Record<string, string> };
    const libraryRequest = { method: request.method, url: request.url, headers: request.headers };
    await expect(
      httpbis.verifyMessage({ keyLookup, notAfter: NOW_MS + 60_000 }, response, libraryRequest),
    ).resolves.toBe(true);
  });

  test('names each algorithm by its JWS name (RFC 9421 §3.3.7): rsa-pss-sha512 is PS512, and each name once', () => {
    const uri = 'https://api.bank.example/jwks';
    expect(
      responseSigningMetadata(uri, SIGNATURE_ALGORITHMS).resource_signing_alg_values_supported,
    ).toEqual(['PS512', 'ES256', 'EdDSA', 'PS256']);
    expect(
      responseSigningMetadata(uri, ['rsa-pss-sha512']).resource_signing_alg_values_supported,
    ).toEqual(['PS512']);
  });

  test('refuses an http jwks_uri and an unknown algorithm', () => {
    expect(() => responseSigningMetadata('http://api.bank.example/jwks', ['ed25519'])).toThrow(
      /^jwksUri: /,
    );
    expect(() =>
      responseSigningMetadata('https://api.bank.example/jwks', ['hmac-sha256' as never]),
    ).toThrow(/^algorithms: /);
  });
});
