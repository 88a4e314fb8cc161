/**
 * HTTP message signatures over the wire (RS-SIG-01..06): the signed routes
 * `GET /signed/accounts`, `POST /signed/payments` and `GET /signed/optional` accept what the
 * FAPI 2.0 HTTP Signatures profile allows, answer the two required routes with a response
 * signature the client verifies (bound to its request), and refuse reject vectors N56–N60 and
 * the key, replay, expiry and algorithm rules with a 401 that is not itself signed.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { FapiErrorCode } from '@fapi-guard/core';
import {
  CONFORMANCE_CLIENT_HMAC_KEY_ID,
  CONFORMANCE_CLIENT_HMAC_SECRET,
  CONFORMANCE_CLIENT_KEY_ID,
  CONFORMANCE_NOW_S,
  CONFORMANCE_RESPONSE_KEY_ID,
} from '../kit.js';
import type {
  ConformanceCase,
  ConformanceExpectation,
  ConformanceKit,
  ConformanceRequest,
  ConformanceResponse,
  SignedRequestOptions,
} from '../types.js';
import { PRINCIPAL, step, TOKEN } from './shared.js';

/**
 * JSON as a client may send it, with insignificant whitespace: the digest matches these bytes
 * only, never a re-serialization of the parsed body.
 */
const PAYMENT_BODY = '{ "amount": "10.00", "currency": "EUR" }';
const DEFAULT_COMPONENTS = ['@method', '@target-uri', 'authorization', 'dpop'];
/** A response signature must not be made for a rejection: no signing oracle. */
const UNSIGNED = { signature: null, 'signature-input': null } as const;

/** A signed `POST /signed/payments` with a JSON body. */
const payment = (k: ConformanceKit, options: SignedRequestOptions = {}) =>
  k.signedRequest({
    method: 'POST',
    path: '/signed/payments',
    body: PAYMENT_BODY,
    ...options,
    headers: { 'content-type': 'application/json', ...options.headers },
  });

/** `GET /signed/accounts`, signed over `components` only. */
const covering = (k: ConformanceKit, components: string[]) =>
  k.signedRequest({ signature: { components } });

/** The evidence the signed routes answer with, for a signature over `components`. */
const evidence = (components: string[], keyId = CONFORMANCE_CLIENT_KEY_ID) => ({
  label: 'sig1',
  keyId,
  created: CONFORMANCE_NOW_S,
  components: components.map((name) => `"${name}"`),
});

/** A 401 `code` in the principal's scheme, no `error=`, and no response signature. */
const refused = (code: FapiErrorCode, scheme: 'DPoP' | 'Bearer' = 'DPoP') =>
  ({
    status: 401,
    error: null,
    code,
    headers: { 'www-authenticate': new RegExp(`^${scheme}\\b`), ...UNSIGNED },
  }) satisfies ConformanceExpectation;

/** The client's check of a signed answer: the apps' key, bound to this request's signature. */
async function responseVerifies(
  response: ConformanceResponse,
  request: ConformanceRequest,
  k: ConformanceKit,
): Promise<void> {
  const verified = await k.verifyResponse(response, request);
  assert.equal(verified.keyId, CONFORMANCE_RESPONSE_KEY_ID, 'response keyid');
  assert.ok(
    verified.components.includes('"signature";req;key="sig1"'),
    'the response signature covers the request signature',
  );
}

/** The optional route answers without a response signature. */
async function responseUnsigned(response: ConformanceResponse): Promise<void> {
  assert.equal(response.headers['signature'], undefined, 'no Signature on /signed/optional');
}

/** Replaces text in the request's Signature-Input (a parameter taken out, a tag changed). */
function editInput(request: ConformanceRequest, from: string | RegExp, to: string) {
  const input = request.headers['signature-input'] as string;
  const edited = input.replace(from, to);
  assert.notEqual(edited, input, 'the Signature-Input edit applies');
  return { ...request, headers: { ...request.headers, 'signature-input': edited } };
}

/** `GET /signed/accounts` signed with `hmac-sha256` (RFC 9421 §3.3.3) under client 1's secret. */
async function hmacSigned(k: ConformanceKit): Promise<ConformanceRequest> {
  const request = await k.dpopRequest({ path: '/signed/accounts' });
  const { authorization, dpop } = request.headers as Record<string, string>;
  const params =
    `("@method" "@target-uri" "authorization" "dpop");created=${k.now}` +
    `;keyid="${CONFORMANCE_CLIENT_HMAC_KEY_ID}";alg="hmac-sha256";tag="fapi-2-request"`;
  const base = [
    `"@method": GET`,
    `"@target-uri": ${k.targetUri(request.path)}`,
    `"authorization": ${authorization}`,
    `"dpop": ${dpop}`,
    `"@signature-params": ${params}`,
  ].join('\n');
  const secret = Buffer.from(CONFORMANCE_CLIENT_HMAC_SECRET, 'base64url');
  const mac = createHmac('sha256', secret).update(base).digest('base64');
  return {
    ...request,
    headers: {
      ...request.headers,
      'signature-input': `sig1=${params}`,
      signature: `sig1=:${mac}:`,
    },
  };
}

const accept: ConformanceCase[] = [
  {
    name: 'accepts a signed GET without a body covering the DPoP header; the answer is signed for it',
    specIds: ['RS-SIG-01', 'RS-SIG-03', 'RS-SIG-05'],
    request: (k) => k.signedRequest(),
    expect: { status: 200, body: { ...PRINCIPAL, signature: evidence(DEFAULT_COMPONENTS) } },
    check: responseVerifies,
  },
  {
    name: 'accepts a signed POST whose content-digest matches the bytes sent; the answer is signed for it',
    specIds: ['RS-SIG-03', 'RS-SIG-05'],
    request: (k) => payment(k),
    expect: {
      status: 201,
      body: { ...PRINCIPAL, signature: evidence([...DEFAULT_COMPONENTS, 'content-digest']) },
    },
    check: responseVerifies,
  },
  {
    name: 'accepts a signature covering more than the profile requires',
    specIds: ['RS-SIG-03'],
    request: (k) =>
      payment(k, {
        signature: {
          components: [...DEFAULT_COMPONENTS, 'content-digest', 'content-type', '@authority'],
        },
      }),
    expect: {
      status: 201,
      body: {
        ...PRINCIPAL,
        signature: evidence([
          ...DEFAULT_COMPONENTS,
          'content-digest',
          'content-type',
          '@authority',
        ]),
      },
    },
    check: responseVerifies,
  },
  {
    name: 'signs the answer to a request without an Accept-Signature header',
    specIds: ['RS-SIG-05'],
    request: async (k) => {
      const request = await k.signedRequest();
      assert.equal(request.headers['accept-signature'], undefined);
      return request;
    },
    expect: { status: 200 },
    check: responseVerifies,
  },
  {
    name: 'signs the answer by the profile when Accept-Signature asks for something else',
    specIds: ['RS-SIG-05'],
    request: async (k) => {
      const request = await k.signedRequest();
      request.headers['accept-signature'] = 'sig9=("@status");keyid="other"';
      return request;
    },
    expect: { status: 200 },
    check: responseVerifies,
  },
  {
    name: 'accepts an mTLS-bound token with a signed request, the key resolved for its client',
    specIds: ['RS-SIG-02', 'RS-MTLS-01'],
    server: 'tls',
    request: async (k) => ({
      ...k.sign({
        method: 'GET',
        path: '/signed/accounts',
        headers: { authorization: `Bearer ${await k.mtlsToken()}` },
      }),
      cert: k.certificate,
    }),
    expect: {
      status: 200,
      body: {
        ...PRINCIPAL,
        binding: { kind: 'mtls' },
        signature: evidence(['@method', '@target-uri', 'authorization']),
      },
    },
    check: responseVerifies,
  },
  {
    name: 'passes an unsigned request on the optional route with signature null',
    specIds: ['RS-SIG-01'],
    request: (k) => k.dpopRequest({ path: '/signed/optional' }),
    expect: { status: 200, body: { ...PRINCIPAL, signature: null }, headers: UNSIGNED },
    check: responseUnsigned,
  },
  {
    name: 'verifies a signed request on the optional route and answers with its evidence',
    specIds: ['RS-SIG-01'],
    request: (k) => k.signedRequest({ path: '/signed/optional' }),
    expect: { status: 200, body: { ...PRINCIPAL, signature: evidence(DEFAULT_COMPONENTS) } },
    check: responseUnsigned,
  },
];

const vectors: ConformanceCase[] = [
  {
    name: 'refuses an unsigned request on a required route',
    specIds: ['N56', 'RS-SIG-06'],
    request: (k) => k.dpopRequest({ path: '/signed/accounts' }),
    expect: refused('ERR_FAPI_SIGNATURE_MISSING'),
  },
  {
    name: 'refuses an unsigned POST on a required route',
    specIds: ['N56'],
    request: (k) =>
      k.dpopRequest({
        method: 'POST',
        path: '/signed/payments',
        headers: { 'content-type': 'application/json' },
        body: PAYMENT_BODY,
      }),
    expect: refused('ERR_FAPI_SIGNATURE_MISSING'),
  },
  {
    name: 'refuses a Signature-Input without its Signature',
    specIds: ['N56'],
    request: async (k) => {
      const { signature: _signature, ...headers } = (await k.signedRequest()).headers;
      return { method: 'GET', path: '/signed/accounts', headers };
    },
    expect: refused('ERR_FAPI_SIGNATURE_MISSING'),
  },
  {
    name: 'refuses an unsigned request with an mTLS-bound token, in the Bearer scheme',
    specIds: ['N56', 'RS-SIG-06'],
    server: 'tls',
    request: async (k) => ({
      method: 'GET',
      path: '/signed/accounts',
      headers: { authorization: `Bearer ${await k.mtlsToken()}` },
      cert: k.certificate,
    }),
    expect: refused('ERR_FAPI_SIGNATURE_MISSING', 'Bearer'),
  },
  {
    name: 'refuses a signature tagged fapi-2-response',
    specIds: ['N57'],
    request: (k) => k.signedRequest({ signature: { tag: 'fapi-2-response' } }),
    expect: refused('ERR_FAPI_SIGNATURE_TAG'),
  },
  {
    name: 'refuses a signature without a tag',
    specIds: ['N57'],
    request: async (k) => editInput(await k.signedRequest(), ';tag="fapi-2-request"', ''),
    expect: refused('ERR_FAPI_SIGNATURE_TAG'),
  },
  ...DEFAULT_COMPONENTS.map((left): ConformanceCase => ({
    name: `refuses a signature that does not cover ${left}`,
    specIds: ['N58'],
    request: (k) =>
      covering(
        k,
        DEFAULT_COMPONENTS.filter((name) => name !== left),
      ),
    expect: refused('ERR_FAPI_SIGNATURE_COMPONENTS'),
  })),
  {
    name: 'refuses a signed POST that does not cover content-digest',
    specIds: ['N58'],
    request: (k) => payment(k, { signature: { components: DEFAULT_COMPONENTS } }),
    expect: refused('ERR_FAPI_SIGNATURE_COMPONENTS'),
  },
  {
    name: 'refuses a signature created 61 s ago',
    specIds: ['N59', 'RS-SIG-04'],
    request: (k) => k.signedRequest({ signature: { now: (k.now - 61) * 1000 } }),
    expect: refused('ERR_FAPI_SIGNATURE_CREATED'),
  },
  {
    name: 'refuses a signature created 6 s in the future',
    specIds: ['N59'],
    request: (k) => k.signedRequest({ signature: { now: (k.now + 6) * 1000 } }),
    expect: refused('ERR_FAPI_SIGNATURE_CREATED'),
  },
  {
    name: 'refuses a signature without created',
    specIds: ['N59'],
    request: async (k) => editInput(await k.signedRequest(), /;created=\d+/, ''),
    expect: refused('ERR_FAPI_SIGNATURE_CREATED'),
  },
  {
    name: 'refuses a body changed after signing (content-digest recomputed over the bytes received)',
    specIds: ['N60', 'RS-SIG-03'],
    request: async (k) => ({
      ...(await payment(k)),
      body: JSON.stringify({ amount: '99999.00', currency: 'EUR' }),
    }),
    expect: refused('ERR_FAPI_SIGNATURE_DIGEST'),
  },
  {
    name: 'refuses a content-digest with an unknown algorithm',
    specIds: ['N60'],
    request: async (k) => {
      const request = await payment(k);
      const md5 = createHash('md5').update(PAYMENT_BODY).digest('base64');
      return { ...request, headers: { ...request.headers, 'content-digest': `md5=:${md5}:` } };
    },
    expect: refused('ERR_FAPI_SIGNATURE_DIGEST'),
  },
  {
    name: "refuses another client's key and keyid",
    specIds: ['RS-SIG-02'],
    request: (k) => k.signedRequest({ signature: { key: k.signatureKeys.otherClient } }),
    expect: refused('ERR_FAPI_SIGNATURE_KEY'),
  },
  {
    name: "refuses another client's key under client 1's keyid",
    specIds: ['RS-SIG-02'],
    request: (k) =>
      k.signedRequest({
        signature: { key: k.signatureKeys.otherClient, keyId: CONFORMANCE_CLIENT_KEY_ID },
      }),
    expect: refused('ERR_FAPI_SIGNATURE_INVALID'),
  },
  {
    name: 'refuses a signature nonce used twice',
    specIds: ['RS-SIG-04'],
    request: async (k) => {
      await step(k, await k.signedRequest({ signature: { nonce: 'nonce-1' } }), 200);
      return k.signedRequest({ signature: { nonce: 'nonce-1' } });
    },
    expect: refused('ERR_FAPI_SIGNATURE_REPLAY'),
  },
  {
    name: 'refuses a signature whose expires has passed',
    specIds: ['RS-SIG-04'],
    request: (k) => k.signedRequest({ signature: { expires: k.now - 1 } }),
    expect: refused('ERR_FAPI_SIGNATURE_EXPIRED'),
  },
  {
    name: 'refuses an hmac-sha256 signature under a shared secret registered for the client',
    specIds: ['RS-SIG-02'],
    request: (k) => hmacSigned(k),
    expect: refused('ERR_FAPI_SIGNATURE_ALG'),
  },
  {
    name: 'refuses an invalid signature on the optional route instead of ignoring it',
    specIds: ['RS-SIG-01'],
    request: async (k) => {
      const request = await k.signedRequest({ path: '/signed/optional' });
      const zeros = `sig1=:${Buffer.alloc(64).toString('base64')}:`;
      return { ...request, headers: { ...request.headers, signature: zeros } };
    },
    expect: refused('ERR_FAPI_SIGNATURE_INVALID'),
  },
  {
    name: 'answers a bad token on a signed route with the token error, not a signature error',
    specIds: ['RS-SIG-03'],
    request: async (k) => k.signedRequest({ token: await k.dpopToken({ now: k.now - 400 }) }),
    expect: {
      ...TOKEN,
      scheme: 'DPoP',
      code: 'ERR_FAPI_TOKEN_EXPIRED',
      headers: UNSIGNED,
    },
  },
  {
    name: 'does not sign a 403 of a requirement on a signed route',
    specIds: ['RS-SIG-05'],
    request: async (k) => k.signedRequest({ token: await k.dpopToken({ scope: 'payments' }) }),
    expect: {
      status: 403,
      error: 'insufficient_scope',
      scheme: 'DPoP',
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
      headers: UNSIGNED,
    },
  },
];

export const signatureCases: ConformanceCase[] = [...accept, ...vectors];
