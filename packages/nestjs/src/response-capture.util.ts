/**
 * The bytes a Nest platform is about to send, caught after serialization so a response
 * signature covers exactly what goes on the wire: Express through core's `holdBackResponse`
 * (`res.write`/`res.end` buffered until the end, headers held back with them), Fastify through
 * the `onSend` payload.
 */
import type { ResponseToSign } from '@fapi-guard/core';

/**
 * Signs a response, returning the headers to add. Throwing replaces the answer with the
 * `fallback` it returns (a 500), so an unsigned answer never leaves.
 */
export interface ResponseSigner {
  sign(response: ResponseToSign): Record<string, string>;
  fallback(error: unknown): { status: number; headers: Record<string, string>; body: string };
}

type Chunk = string | Uint8Array;

function bytes(chunk: Chunk, encoding: BufferEncoding): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk);
}

/** The bytes of a Fastify `onSend` payload: a string, a Buffer, a stream, or nothing. */
export async function payloadBytes(payload: unknown): Promise<Buffer> {
  if (payload === null || payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string' || payload instanceof Uint8Array) return bytes(payload, 'utf8');
  if (typeof (payload as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of payload as AsyncIterable<Chunk>) chunks.push(bytes(chunk, 'utf8'));
    return Buffer.concat(chunks);
  }
  throw new TypeError('@SignedResponse(): cannot read the bytes of this response payload');
}
