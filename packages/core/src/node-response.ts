import { encodeText } from './lib/crypto.js';
import type { ResponseToSign } from './signatures.js';

/**
 * The parts of Node's `http.ServerResponse` {@link holdBackResponse} uses, duck-typed so core
 * imports nothing from Node. Express's `res` and Nest's response on Express are this object.
 *
 * @example
 * holdBackResponse(res, options); // res: http.ServerResponse
 */
export interface NodeResponseLike {
  statusCode: number;
  statusMessage: string;
  getHeaders(): Record<string, number | string | readonly string[] | undefined>;
  getHeaderNames(): string[];
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  appendHeader(name: string, value: string | readonly string[]): unknown;
  removeHeader(name: string): void;
  writeHead(...args: never[]): unknown;
  flushHeaders(): void;
  write(...args: never[]): boolean;
  end(...args: never[]): unknown;
}

/**
 * What differs between the adapters that hold a response back, for {@link holdBackResponse}.
 *
 * @example
 * holdBackResponse(res, {
 *   method: req.method,
 *   sign: (held) => rs.signResponse(fromNodeRequest(req), principal, held),
 *   fail: (error) => res.writeHead(500).end(),
 * });
 */
export interface HoldBackOptions {
  /** The request's method: the answer to a `HEAD` is signed and sent without a body. */
  method?: string | undefined;
  /** Signs the held response, returning the headers to add (`rs.signResponse`). */
  sign(response: ResponseToSign): Record<string, string>;
  /**
   * Answers when `sign` throws, instead of the held response: the response's own writers are
   * back and every header set so far is removed, so it starts from an empty response.
   * `callback` is the one the handler passed to `end()`, for the answer's own `end`.
   */
  fail(error: unknown, callback?: () => void): void;
  /**
   * Asked at every write: `true` lets this write and all after it through unchanged and
   * unsigned (Express's adapter: a rejection answered after the signing middleware).
   */
  passThrough?(): boolean;
}

type Callback = (error?: Error | null) => void;
type Writer = (...args: unknown[]) => unknown;
type WriterName = 'writeHead' | 'flushHeaders' | 'write' | 'end';

/**
 * Holds back everything written to a Node response until `end()`, then signs the status,
 * headers and complete body and sends them in one go (RFC 9421 response signatures over the
 * exact bytes). `writeHead` and `flushHeaders` are deferred too (their status and headers are
 * applied to the response), so a stream piped to the response or a handler writing by hand is
 * covered like a framework's `res.json()`. Answers without a body (`HEAD`, 204, 304, 1xx) are
 * signed over no bytes and sent without any; others go out with `Content-Length`, never
 * chunked. When `sign` throws, `fail` answers instead: never an unsigned held response.
 * The whole body is buffered: not for large streamed downloads.
 *
 * @example
 * createServer((req, res) => {
 *   holdBackResponse(res, {
 *     method: req.method,
 *     sign: (held) => rs.signResponse(fromNodeRequest(req), principal, held),
 *     fail: () => res.writeHead(500).end(),
 *   });
 *   res.writeHead(200, { 'content-type': 'text/plain' }).end('signed');
 * });
 * @see https://www.rfc-editor.org/rfc/rfc9421#section-2.4
 */
export function holdBackResponse(res: NodeResponseLike, options: HoldBackOptions): void {
  const writable = res as unknown as Record<WriterName, Writer>;
  const original = {
    writeHead: writable.writeHead,
    flushHeaders: writable.flushHeaders,
    write: writable.write,
    end: writable.end,
  };
  const chunks: Uint8Array[] = [];
  const restore = () => Object.assign(writable, original);
  const passes = (name: WriterName, args: unknown[]): { result: unknown } | undefined => {
    if (!options.passThrough?.()) return undefined;
    restore();
    return { result: original[name].apply(res, args) };
  };
  writable.writeHead = (...args: unknown[]) => {
    const passed = passes('writeHead', args);
    if (passed) return passed.result;
    applyHead(res, args);
    return res;
  };
  writable.flushHeaders = (...args: unknown[]) => {
    const passed = passes('flushHeaders', args);
    return passed ? passed.result : undefined; // headers go out with the signature
  };
  writable.write = (...args: unknown[]) => {
    const passed = passes('write', args);
    if (passed) return passed.result;
    const { chunk, callback } = writeArguments(args);
    if (chunk) chunks.push(chunk);
    if (callback) queueMicrotask(() => callback());
    return true;
  };
  writable.end = (...args: unknown[]) => {
    const passed = passes('end', args);
    if (passed) return passed.result;
    const { chunk, callback } = writeArguments(args);
    if (chunk) chunks.push(chunk);
    restore();
    signAndSend(res, options, concat(chunks), callback);
    return res;
  };
}

function signAndSend(
  res: NodeResponseLike,
  options: HoldBackOptions,
  bytes: Uint8Array,
  callback: Callback | undefined,
): void {
  const status = res.statusCode;
  const bodiless = options.method === 'HEAD' || status === 204 || status === 304 || status < 200;
  const body = bodiless ? new Uint8Array(0) : bytes;
  let signature: Record<string, string>;
  try {
    signature = options.sign({ status, headers: normalizeResponseHeaders(res.getHeaders()), body });
  } catch (error) {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    options.fail(error, callback);
    return;
  }
  for (const [name, value] of Object.entries(signature)) res.setHeader(name, value);
  const end = res.end as (...args: unknown[]) => unknown;
  if (bodiless) {
    end.call(res, callback);
    return;
  }
  res.removeHeader('transfer-encoding');
  res.setHeader('content-length', String(body.length));
  end.call(res, body, callback);
}

/** `writeHead(status[, message][, headers])` applied to the response, as Node applies it. */
function applyHead(res: NodeResponseLike, [status, message, headers]: unknown[]): void {
  res.statusCode = status as number;
  if (typeof message === 'string') res.statusMessage = message;
  const fields = typeof message === 'string' ? headers : message;
  if (Array.isArray(fields)) {
    // Raw pairs replace earlier values yet keep their own duplicates (two Set-Cookie).
    for (let i = 0; i + 1 < fields.length; i += 2) res.removeHeader(String(fields[i]));
    for (let i = 0; i + 1 < fields.length; i += 2) {
      res.appendHeader(String(fields[i]), String(fields[i + 1]));
    }
  } else if (typeof fields === 'object' && fields !== null) {
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) res.setHeader(name, value as string | string[]);
    }
  }
}

/** The chunk (a copy: a writer may reuse its buffer once `write()` returned) and callback. */
function writeArguments(args: unknown[]): {
  chunk: Uint8Array | undefined;
  callback: Callback | undefined;
} {
  const [first, second, third] = args;
  const callback = [first, second, third].find((arg) => typeof arg === 'function') as
    Callback | undefined;
  const encoding = typeof second === 'string' ? second : undefined;
  if (typeof first === 'string') return { chunk: encodeText(first, encoding), callback };
  return { chunk: first instanceof Uint8Array ? new Uint8Array(first) : undefined, callback };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/**
 * Response headers as strings, names in lower case (Node keeps numbers for `Content-Length`):
 * the `headers` a signer gets.
 *
 * @example
 * rs.signResponse(request, principal, { status, headers: normalizeResponseHeaders(reply.getHeaders()), body });
 */
export function normalizeResponseHeaders(
  headers: Record<string, number | string | readonly string[] | undefined>,
): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    record[name.toLowerCase()] = Array.isArray(value) ? [...value] : String(value as string);
  }
  return record;
}
