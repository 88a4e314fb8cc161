// Real keys, real signed requests and a plain HTTP client keeping the response bytes, for the
// signed-request and signed-response tests of Express and of Koa (which imports this file).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { FIXTURE_NOW_S, type TestFixture } from '@fapi-guard/testing';
import { httpSignatures, signRequest, verifyResponse } from '@fapi-guard/http-signatures';
import { createVerifier, httpbis } from 'http-message-signatures';

export const NOW_MS = FIXTURE_NOW_S * 1000;
/** client-1's registered signing key k1, another key, and the resource server's response key. */
export const CLIENT_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const OTHER_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const RS_KEY = generateKeyPairSync('ed25519');

/** The verifier (and, unless `responseSigning` is false, signer) core is given. */
export function signatureVerifier(responseSigning = true) {
  return httpSignatures({
    resolveClientKey: (clientId, keyId) =>
      clientId === 'client-1' && keyId === 'k1'
        ? CLIENT_KEY.publicKey.export({ format: 'jwk' })
        : undefined,
    clock: () => NOW_MS,
    ...(responseSigning
      ? {
          responseSigning: { key: RS_KEY.privateKey, keyId: 'rs-1', algorithm: 'ed25519' as const },
        }
      : {}),
  });
}

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A token of `scope`, its DPoP proof and client-1's signature (by `key`) for `method url` with `body`. */
export async function signedRequest(
  f: TestFixture,
  method: string,
  url: string,
  body?: Buffer,
  {
    key = CLIENT_KEY.privateKey,
    contentType = 'application/json',
    scope = 'accounts payments',
  } = {},
): Promise<Exchange> {
  const headers: Record<string, string> = {
    ...(await f.dpopHeaders(url, method, scope)),
    ...(body ? { 'content-type': contentType } : {}),
  };
  const request = { method, url, headers, ...(body ? { rawBody: body } : {}) };
  const signature = signRequest({
    key,
    keyId: 'k1',
    algorithm: 'ecdsa-p256-sha256',
    request,
    now: NOW_MS,
  });
  return { method, url, headers: { ...headers, ...signature }, ...(body ? { body } : {}) };
}

export interface Received {
  status: number;
  headers: Record<string, string>;
  /** The body bytes exactly as they arrived. */
  bytes: Buffer;
}

/** Sends `exchange` (its body as given) and collects the answer's bytes. */
export function send({ method, url, headers, body }: Exchange): Promise<Received> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers as Record<string, string>,
            bytes: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Whether `response` carries a valid fapi-2-response signature by the resource server's key,
 * over its exact bytes and bound to the request it answers: the client's check
 * (`verifyResponse`).
 */
export async function verifiesAsResponseTo(
  response: Received,
  request: Exchange,
): Promise<boolean> {
  try {
    await verifyResponse({
      response: { status: response.status, headers: response.headers, body: response.bytes },
      request: { method: request.method, url: request.url, headers: request.headers },
      key: RS_KEY.publicKey.export({ format: 'jwk' }),
      clock: () => NOW_MS,
    });
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResponseSignatureError') return false;
    throw error;
  }
}

/** The same check by http-message-signatures, an independent RFC 9421 implementation. */
export function independentlyVerifies(response: Received, request: Exchange): Promise<boolean> {
  const keyLookup = async () => ({
    id: 'rs-1',
    algs: ['ed25519'],
    verify: createVerifier(RS_KEY.publicKey, 'ed25519'),
  });
  return httpbis.verifyMessage(
    { keyLookup, notAfter: FIXTURE_NOW_S + 60 },
    { status: response.status, headers: response.headers },
    { method: request.method, url: request.url, headers: request.headers },
  ) as Promise<boolean>;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}
