/**
 * Real HTTP message signatures for the signed-request and signed-response tests of every
 * adapter (Express here; Koa, fetch, Hono and Fastify import this file): a client key registered
 * for the kit's `client-1`, a resource-server response key, requests signed with `signRequest`
 * over the kit's DPoP headers, a plain node:http client keeping the response bytes, and response
 * checks by our `verifyResponse` and by an independent RFC 9421 implementation
 * (http-message-signatures).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { FIXTURE_NOW_S, type TestFixture } from '@fapi-guard/testing';
import { httpSignatures, signRequest, verifyResponse } from '@fapi-guard/http-signatures';
import { createVerifier, httpbis } from 'http-message-signatures';

export const NOW_MS = FIXTURE_NOW_S * 1000;
/** client-1's registered signing key k1 and the resource server's response key rs-1. */
const CLIENT_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const RS_KEY = generateKeyPairSync('ed25519');

/** A private key no client registered (a signature with it is refused). */
export const UNREGISTERED_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

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

/** A request as the client sends it: raw bytes, so what was signed is what is sent. */
export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

/**
 * A token of `scope`, its DPoP proof (htu without the query) and client-1's signature (by `key`)
 * for `method url` over the bytes of `body`; `contentType` is set when there is a body.
 */
export async function signedRequest(
  f: TestFixture,
  method: string,
  url: string,
  body?: Buffer | string,
  {
    key = CLIENT_KEY.privateKey,
    contentType = 'application/json',
    scope = 'accounts payments',
  } = {},
): Promise<Exchange> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = {
    ...(await f.dpopHeaders(url.replace(/\?.*$/, ''), method, scope)),
    ...(bytes ? { 'content-type': contentType } : {}),
  };
  const signature = signRequest({
    key,
    keyId: 'k1',
    algorithm: 'ecdsa-p256-sha256',
    request: { method, url, headers, ...(bytes ? { rawBody: bytes } : {}) },
    now: NOW_MS,
  });
  return { method, url, headers: { ...headers, ...signature }, ...(bytes ? { body: bytes } : {}) };
}

/** What came back: the status, the headers (lower-case names) and the exact body bytes. */
export interface Received {
  status: number;
  headers: Record<string, string>;
  /** The body bytes exactly as they arrived. */
  bytes: Buffer;
  /** The bytes parsed as JSON, or undefined when they are not JSON. */
  json: unknown;
}

/** Sends `exchange` with node:http (its body bytes as given) and collects the answer's bytes. */
export function send({ method, url, headers, body }: Exchange): Promise<Received> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method,
        headers: { ...headers, ...(body ? { 'content-length': String(body.byteLength) } : {}) },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: response.statusCode ?? 0, headers: flat, bytes, json: parse(bytes) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function parse(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
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

/**
 * Whether http-message-signatures, an independent RFC 9421 implementation, finds `response`
 * signed by `rs-1` as the answer to `request` (the signature and its `;req` binding only).
 */
export async function independentlyVerifies(
  response: Received,
  request: Exchange,
): Promise<boolean> {
  const keyLookup = async () => ({
    id: 'rs-1',
    algs: ['ed25519'],
    verify: createVerifier(RS_KEY.publicKey, 'ed25519'),
  });
  const verified = await httpbis.verifyMessage(
    { keyLookup, notAfter: FIXTURE_NOW_S + 60 },
    { status: response.status, headers: response.headers },
    { method: request.method, url: request.url, headers: request.headers },
  );
  return verified === true;
}

/**
 * `independentlyVerifies`, and a `Content-Digest` equal to the SHA-256 of the exact bytes
 * received (when there are any) and the FAPI response tag.
 */
export async function verifiesAsAnswerTo(response: Received, request: Exchange) {
  if (
    response.bytes.byteLength > 0 &&
    response.headers['content-digest'] !== sha256Digest(response.bytes)
  ) {
    return false;
  }
  if (!/;tag="fapi-2-response"$/.test(response.headers['signature-input'] ?? '')) return false;
  return independentlyVerifies(response, request);
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}
