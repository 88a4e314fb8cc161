/**
 * The bytes a Nest platform is about to send, caught after serialization so a response
 * signature covers exactly what goes on the wire: Express through `res.write`/`res.end`
 * (buffered until the end, headers held back with them), Fastify through the `onSend` payload.
 */
import type { ServerResponse } from 'node:http';

/** A response as the signer sees it: the status, the headers set so far, the body bytes. */
export interface CapturedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Uint8Array;
}

/**
 * Signs the captured response, returning the headers to add. Throwing replaces the answer
 * with the `fallback` it returns (a 500), so an unsigned answer never leaves.
 */
export interface ResponseSigner {
  sign(response: CapturedResponse): Record<string, string>;
  fallback(error: unknown): { status: number; headers: Record<string, string>; body: string };
}

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

function bytes(chunk: Chunk, encoding: unknown): Buffer {
  return typeof chunk === 'string'
    ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : Buffer.from(chunk); // a copy: a writer may reuse its buffer once write() returned
}

/** The response's headers as strings (Node keeps numbers for `Content-Length`). */
export function headerRecord(
  headers: Record<string, number | string | readonly string[] | undefined>,
): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    record[name.toLowerCase()] = Array.isArray(value) ? [...value] : String(value as string);
  }
  return record;
}

/**
 * Holds back everything written to an Express (Node) response until `end()`, then signs the
 * status, headers and complete body and sends them in one go. `writeHead` is deferred too (its
 * status and headers are applied to the response), so a stream piped to the response or a
 * handler writing by hand is covered like `res.json()`.
 */
export function captureNodeResponse(res: ServerResponse, signer: ResponseSigner): void {
  const chunks: Buffer[] = [];
  const { write, end, writeHead } = res;
  const restore = (): void => {
    res.write = write;
    res.end = end;
    res.writeHead = writeHead;
  };
  res.writeHead = function deferredWriteHead(status: number, ...rest: unknown[]) {
    res.statusCode = status;
    for (const argument of rest) {
      if (typeof argument === 'string') res.statusMessage = argument;
      else if (Array.isArray(argument)) {
        for (let i = 0; i + 1 < argument.length; i += 2) {
          res.appendHeader(String(argument[i]), String(argument[i + 1]));
        }
      } else if (typeof argument === 'object' && argument !== null) {
        for (const [name, value] of Object.entries(argument)) {
          if (value !== undefined) res.setHeader(name, value as string | string[]);
        }
      }
    }
    return res;
  } as ServerResponse['writeHead'];
  res.write = function bufferedWrite(chunk: Chunk, encoding?: unknown, callback?: unknown) {
    chunks.push(bytes(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as Callback)());
    return true;
  } as ServerResponse['write'];
  res.end = function signedEnd(chunk?: unknown, encoding?: unknown, callback?: unknown) {
    restore();
    const args = [chunk, encoding, callback];
    const done = args.find((arg): arg is Callback => typeof arg === 'function');
    if (typeof chunk === 'string' || chunk instanceof Uint8Array)
      chunks.push(bytes(chunk, encoding));
    const body = Buffer.concat(chunks);
    const status = res.statusCode;
    try {
      const headers = headerRecord(res.getHeaders());
      const signature = signer.sign({ status, headers, body });
      for (const [name, value] of Object.entries(signature)) res.setHeader(name, value);
      return res.end(body, done);
    } catch (error) {
      const replacement = signer.fallback(error);
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.statusCode = replacement.status;
      for (const [name, value] of Object.entries(replacement.headers)) res.setHeader(name, value);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      return res.end(replacement.body, done);
    }
  } as ServerResponse['end'];
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
