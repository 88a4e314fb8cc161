/**
 * Response signing in `onSend`: the payload Fastify is about to write (serialized JSON, a
 * string, a Buffer, or a stream read whole) is signed as the bytes sent, and those bytes are
 * what the hook hands back to Fastify.
 */
import {
  FapiError,
  type HeaderInput,
  type Principal,
  type RequestLike,
  type ResourceServer,
} from '@fapi-guard/core';
import type { FastifyReply } from 'fastify';

/**
 * Signs `payload` for `request` with core's `signResponse` and sets the `Content-Digest`,
 * `Signature-Input` and `Signature` headers; returns the payload as the exact bytes signed
 * (an absent body stays absent).
 */
export async function signPayload(
  resourceServer: ResourceServer,
  reply: FastifyReply,
  principal: Principal,
  describe: () => RequestLike,
  payload: unknown,
): Promise<unknown> {
  const bytes = await payloadBytes(reply, payload);
  const headers = resourceServer.signResponse(describe(), principal, {
    status: reply.statusCode,
    headers: reply.getHeaders() as HeaderInput,
    body: bytes ?? new Uint8Array(0),
  });
  reply.headers(headers);
  return bytes ?? payload;
}

/** The bytes Fastify would write for `payload`, or undefined for no body. */
async function payloadBytes(reply: FastifyReply, payload: unknown): Promise<Buffer | undefined> {
  if (payload === undefined || payload === null) return undefined;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) {
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  }
  if (payload instanceof Response) {
    // Fastify would take the status and headers from the Response after onSend: take them now.
    reply.code(payload.status);
    payload.headers.forEach((value, name) => reply.header(name, value));
    return Buffer.from(await payload.arrayBuffer());
  }
  if (isAsyncIterable(payload)) {
    const chunks: Buffer[] = [];
    for await (const chunk of payload) {
      chunks.push(
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array),
      );
    }
    return Buffer.concat(chunks);
  }
  throw new FapiError('ERR_FAPI_MISCONFIGURED', {
    cause: new TypeError('signedResponse: the reply payload is of a type that cannot be signed'),
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
