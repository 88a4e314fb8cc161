// Real keys, a client key directory and a fixed clock for the verifier tests.
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { memoryReplayStore } from '@fapi-guard/core';
import { parseDictionary, serializeDictionary, type InnerList } from 'structured-headers';
import { signBase } from '../src/algorithms.js';
import {
  createSignatureBase,
  httpSignatures,
  signRequest,
  signResponse,
  type HttpSignatureOptions,
  type SignatureAlgorithm,
  type VerifiedSignature,
} from '../src/index.js';
import { normalizeHeaders } from '../src/message.js';
import type { SignRequestOptions } from '../src/sign-request.js';

export const NOW_MS = 1_800_000_000_000;
export const NOW_S = NOW_MS / 1000;
export const URL_PAYMENTS = 'https://api.bank.example/domestic-payments';

export interface TestKey {
  private: KeyObject;
  public: JsonWebKey;
}

function pair(type: 'ec' | 'ed25519' | 'rsa', alg?: string): TestKey {
  const { privateKey, publicKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { private: privateKey, public: alg === undefined ? jwk : { ...jwk, alg } };
}

export const KEYS = {
  a: pair('ec'),
  aEd: pair('ed25519'),
  aRsa: pair('rsa', 'PS256'),
  aRsaPss: pair('rsa', 'rsa-pss-sha512'),
  aRsaBare: pair('rsa'),
  b: pair('ec'),
};

/** Client a registered a1 (ES256), a2 (Ed25519), a3 (PS256), a4 (rsa-pss-sha512), a5 (RSA, no alg); client b registered b1. */
export const DIRECTORY: Record<string, Record<string, JsonWebKey>> = {
  'client-a': {
    a1: KEYS.a.public,
    a2: KEYS.aEd.public,
    a3: KEYS.aRsa.public,
    a4: KEYS.aRsaPss.public,
    a5: KEYS.aRsaBare.public,
    hmac: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' },
  },
  'client-b': { b1: KEYS.b.public },
};

export function verifier(options: Partial<HttpSignatureOptions> = {}) {
  return httpSignatures({
    resolveClientKey: (clientId, keyId) => DIRECTORY[clientId]?.[keyId],
    clock: () => NOW_MS,
    replayStore: memoryReplayStore(),
    ...options,
  });
}

export const BODY = new TextEncoder().encode('{"amount":"10.00","currency":"EUR"}');

/** A DPoP-bound POST with a body, as a client sends it before signing. */
export function paymentRequest(overrides: { body?: Uint8Array | undefined; method?: string } = {}) {
  const body = 'body' in overrides ? overrides.body : BODY;
  return {
    method: overrides.method ?? 'POST',
    url: URL_PAYMENTS,
    headers: {
      authorization: 'DPoP eyJhbGciOiJFUzI1NiJ9.e30.sig',
      dpop: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.proof',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    } as Record<string, string>,
    rawBody: body,
  };
}

/** Signs `request` with client a's ES256 key a1 by default and returns the request as sent. */
export function signed(
  request = paymentRequest(),
  options: Partial<Omit<SignRequestOptions, 'request'>> = {},
) {
  const headers = signRequest({
    key: KEYS.a.private,
    keyId: 'a1',
    algorithm: 'ecdsa-p256-sha256',
    now: NOW_MS,
    request,
    ...options,
  });
  return { ...request, headers: { ...request.headers, ...headers } };
}

/**
 * `request` (as {@link signed} made it) signed again by `key` under `algorithm`, with
 * `parameters` added to its Signature-Input: what a client sends that our signer would refuse
 * to make (an `alg` parameter, a key too small for its algorithm).
 */
export function resigned(
  request: ReturnType<typeof signed>,
  {
    key,
    algorithm,
    parameters = {},
  }: { key: KeyObject; algorithm: SignatureAlgorithm; parameters?: Record<string, string> },
) {
  const [label, member] = [...parseDictionary(request.headers['signature-input'] as string)][0]!;
  const input = member as InnerList;
  for (const [name, value] of Object.entries(parameters)) input[1].set(name, value);
  const headers = normalizeHeaders(request.headers);
  const base = createSignatureBase(input, {
    headers,
    method: request.method,
    url: new URL(request.url),
  });
  const signature = signBase(algorithm, key, base);
  return {
    ...request,
    headers: {
      ...request.headers,
      'signature-input': serializeDictionary(new Map([[label, input]])),
      signature: serializeDictionary(new Map([[label, [signature, new Map()]]])),
    },
  };
}

export const A = { clientId: 'client-a', signedRequest: 'required' } as const;

/** The body of the resource server's signed payment answer. */
export const RESPONSE_BODY = new TextEncoder().encode('{"status":"AcceptedSettlementInProcess"}');

/**
 * Client a's signed `request`, verified, and the headers of the 201 answer the resource server
 * signs for it with key aEd (keyid `rs-1`, ed25519) at `now`.
 */
export async function signedExchange(request = signed(), now = NOW_MS) {
  const verified = (await verifier().verify(request, A)) as VerifiedSignature;
  const headers = signResponse({
    key: KEYS.aEd.private,
    keyId: 'rs-1',
    algorithm: 'ed25519',
    request,
    requestSignature: verified,
    response: { status: 201, headers: { 'content-type': 'application/json' }, body: RESPONSE_BODY },
    now,
  });
  return { request, headers };
}
