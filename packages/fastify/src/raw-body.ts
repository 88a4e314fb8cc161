/**
 * The request body's bytes exactly as received, for the `Content-Digest` of a signed request:
 * a `preParsing` hook tees the payload stream into a buffer, and Fastify's own content-type
 * parsers (JSON, text, `@fastify/formbody`, yours) read the same stream as before.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { errorCodes, type FastifyRequest } from 'fastify';

interface Capture {
  readonly chunks: Buffer[];
  readonly tee: Transform;
  ended: boolean;
}

const captures = new WeakMap<FastifyRequest, Capture>();
const bodies = new WeakMap<FastifyRequest, Uint8Array>();

/**
 * Returns the stream Fastify parses instead of `payload`: the same bytes, also kept for
 * {@link rawBodyOf}. More than `limit` bytes (the route's `bodyLimit`) fail the stream with
 * Fastify's own 413 error.
 */
export function captureRawBody(
  request: FastifyRequest,
  payload: Readable | IncomingMessage,
  limit: number,
): Readable {
  let length = 0;
  const capture: Capture = {
    chunks: [],
    ended: false,
    tee: new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        length += chunk.byteLength;
        if (length > limit) return callback(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        capture.chunks.push(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        capture.ended = true;
        callback();
      },
    }),
  };
  captures.set(request, capture);
  // pipe, not pipeline: an aborted request must fail the tee (no parser waits forever).
  payload.on('error', (error) => capture.tee.destroy(error));
  // Whoever reads the tee (Fastify's parser, or rawBodyOf) sees its errors; one that nobody
  // reads any more (Fastify refused the body by its Content-Length) must not crash the process.
  capture.tee.on('error', () => undefined);
  return payload.pipe(capture.tee);
}

/**
 * The captured bytes, once the body was read whole. Fastify does not read the body of a
 * method without body semantics (GET, HEAD, ...): then the guard reads it here, within the
 * same limit, so a signed request's digest is always checked over what was sent.
 */
export async function rawBodyOf(request: FastifyRequest): Promise<Uint8Array | undefined> {
  const known = bodies.get(request);
  if (known) return known;
  const capture = captures.get(request);
  if (!capture) return undefined;
  if (!capture.ended) {
    capture.tee.resume();
    await finished(capture.tee);
  }
  const bytes = new Uint8Array(Buffer.concat(capture.chunks));
  bodies.set(request, bytes);
  return bytes;
}

/** The bytes {@link rawBodyOf} read, for describing the request afresh (no waiting). */
export function capturedRawBody(request: FastifyRequest): Uint8Array | undefined {
  return bodies.get(request);
}
