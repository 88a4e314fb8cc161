/**
 * Real HTTP message signatures for the adapter tests of fetch, Hono and Fastify: a client key
 * registered for the kit's `client-1`, a resource-server response key, requests signed with
 * `signRequest` over the kit's DPoP headers, and a response check made with an independent
 * RFC 9421 implementation (http-message-signatures) over the exact bytes received.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { httpSignatures, signRequest } from '@fapi-guard/http-signatures';
import { FIXTURE_NOW_S, type TestFixture } from '@fapi-guard/testing';
import { createVerifier, httpbis } from 'http-message-signatures';

export const NOW_MS = FIXTURE_NOW_S * 1000;
const CLIENT_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const OTHER_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const RS_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** A private key no client registered (a signature with it is refused). */
export const UNREGISTERED_KEY = OTHER_KEY.privateKey;

/**
 * Core's `httpSignatures` option: client-1's key `k1`, at the fixture's clock, and (unless
 * `responses` is false) the response key `rs-1`.
 */
export function signatureOptions(responses = true) {
  return httpSignatures({
    resolveClientKey: (clientId, keyId) =>
      clientId === 'client-1' && keyId === 'k1'
        ? CLIENT_KEY.publicKey.export({ format: 'jwk' })
        : undefined,
    clock: () => NOW_MS,
    ...(responses
      ? {
          responseSigning: {
            key: RS_KEY.privateKey,
            keyId: 'rs-1',
            algorithm: 'ecdsa-p256-sha256' as const,
          },
        }
      : {}),
  });
}

/** A request as the client sends it: raw bytes, so what was signed is what is sent. */
export interface SignedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

/**
 * A DPoP-bound request for `url`, signed by client-1 (`k1`, or `key`) over its body bytes;
 * `contentType` is set when there is a body.
 */
export async function signedCall(
  f: TestFixture,
  method: string,
  url: string,
  body?: string,
  options: { key?: typeof UNREGISTERED_KEY; contentType?: string } = {},
): Promise<SignedCall> {
  const bytes = body === undefined ? undefined : Buffer.from(body);
  const headers: Record<string, string> = {
    ...(await f.dpopHeaders(url.replace(/\?.*$/, ''), method)),
    ...(bytes ? { 'content-type': options.contentType ?? 'application/json' } : {}),
  };
  const signature = signRequest({
    key: options.key ?? CLIENT_KEY.privateKey,
    keyId: 'k1',
    algorithm: 'ecdsa-p256-sha256',
    request: { method, url, headers, ...(bytes ? { rawBody: bytes } : {}) },
    now: NOW_MS,
  });
  return { method, url, headers: { ...headers, ...signature }, body: bytes };
}

/** What came back: the status, the headers (lower-case names) and the exact body bytes. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
  json: unknown;
}

/** Sends `call` with node:http (its body bytes as given) and reads the answer's bytes. */
export function send(call: SignedCall): Promise<RawResponse> {
  const url = new URL(call.url);
  const headers = {
    ...call.headers,
    ...(call.body ? { 'content-length': String(call.body.byteLength) } : {}),
  };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: call.method,
        path: `${url.pathname}${url.search}`,
        headers,
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
          let json: unknown;
          try {
            json = JSON.parse(bytes.toString('utf8')) as unknown;
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: flat, bytes, json });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(call.body);
  });
}

/**
 * Whether `response` is signed by the resource server's key `rs-1` as the answer to `call`
 * (http-message-signatures checks the signature and its `;req` binding), with a
 * `Content-Digest` equal to the SHA-256 of the exact bytes received and the FAPI response tag.
 */
export async function verifiesAsAnswerTo(response: RawResponse, call: SignedCall) {
  const digest = `sha-256=:${createHash('sha256').update(response.bytes).digest('base64')}:`;
  if (response.bytes.byteLength > 0 && response.headers['content-digest'] !== digest) return false;
  if (!/;tag="fapi-2-response"$/.test(response.headers['signature-input'] ?? '')) return false;
  const keyLookup = async () => ({
    id: 'rs-1',
    algs: ['ecdsa-p256-sha256'],
    verify: createVerifier(RS_KEY.publicKey, 'ecdsa-p256-sha256'),
  });
  const verified = await httpbis.verifyMessage(
    { keyLookup, notAfter: NOW_MS + 60_000 },
    { status: response.status, headers: response.headers },
    { method: call.method, url: call.url, headers: call.headers },
  );
  return verified === true;
}
