import type { IncomingMessage } from 'node:http';
import type { Next, ParameterizedContext } from 'koa';

/** Options of {@link captureRawBody}. */
export interface CaptureRawBodyOptions {
  /**
   * The most bytes kept, like a body parser's limit; a signed route receiving more answers 413.
   * Default 1 MiB (`@koa/bodyparser`'s JSON limit).
   */
  limit?: number;
}

/** Default {@link CaptureRawBodyOptions.limit}: 1 MiB. */
export const DEFAULT_RAW_BODY_LIMIT_BYTES = 1024 * 1024;

/** What one request's capture knows. */
interface RawBodyCapture {
  chunks: Buffer[];
  size: number;
  /** `incomplete`: bytes were read before the capture began, decoded, or the request aborted. */
  state: 'reading' | 'complete' | 'too-large' | 'incomplete';
  settled: Promise<void>;
}

const CAPTURE = Symbol.for('@fapi-guard/koa.rawBody');

type WithCapture = ParameterizedContext & { [CAPTURE]?: RawBodyCapture };

/**
 * Koa middleware keeping the request body bytes exactly as received, for the `Content-Digest`
 * of signed requests (RFC 9530), without taking the body away from your body parser: mount it
 * before the parser (`@koa/bodyparser`, `koa-bodyparser`, `koa-body`, ...), which reads and
 * parses the body as before (`ctx.request.body`). It listens to the bytes as the parser reads
 * them, before any decoding, and puts them on `ctx.state.rawBody` once the body has ended. On a
 * route with `requireSignedRequest()` whose body no parser read, the helper reads the body
 * itself (and a parser after it finds nothing left).
 *
 * Koa has no standard raw body: `@koa/bodyparser`'s `ctx.request.rawBody` is a decoded string
 * (charset applied, a BOM and `Content-Encoding` removed), whose bytes are not those the client
 * signed, so it is not used. A body read before this middleware ran cannot be captured: a signed
 * route then answers 500 `ERR_FAPI_MISCONFIGURED`, never a pass. A gzip-encoded body is kept
 * encoded, as RFC 9530 digests it.
 *
 * @example
 * ```ts
 * app.use(captureRawBody());
 * app.use(bodyParser());
 * app.use(fapiGuard(options));
 * router.post('/payments', requireScopes('payments').requireSignedRequest(), createPayment);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9530#section-2
 */
export function captureRawBody(options: CaptureRawBodyOptions = {}) {
  const limit = assertLimit(options);
  return async function captureRawBody(ctx: ParameterizedContext, next: Next): Promise<void> {
    startCapture(ctx, limit);
    await next();
  };
}

function assertLimit(options: CaptureRawBodyOptions): number {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('captureRawBody: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'limit')
      throw new TypeError(`captureRawBody: unknown option "${key}" (known: limit)`);
  }
  const { limit = DEFAULT_RAW_BODY_LIMIT_BYTES } = options;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('captureRawBody: limit must be a non-negative integer (bytes)');
  }
  return limit;
}

/** Whether the request announces a body (RFC 9112 §6.3). */
function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function startCapture(ctx: ParameterizedContext, limit: number): void {
  const req = ctx.req;
  if ((ctx as WithCapture)[CAPTURE] || !announcesBody(req)) return;
  let settle!: () => void;
  const capture: RawBodyCapture = {
    chunks: [],
    size: 0,
    state: req.readableDidRead || req.readableEncoding !== null ? 'incomplete' : 'reading',
    settled: new Promise<void>((resolve) => (settle = resolve)),
  };
  (ctx as WithCapture)[CAPTURE] = capture;
  if (capture.state !== 'reading') {
    settle();
    return;
  }
  const finish = (state: RawBodyCapture['state']) => {
    if (capture.state !== 'reading' && capture.state !== 'too-large') return;
    if (capture.state === 'reading') capture.state = state;
    if (capture.state === 'complete') ctx.state.rawBody = Buffer.concat(capture.chunks);
    capture.chunks = [];
    req.emit = emit;
    settle();
  };
  const record = (chunk: unknown) => {
    if (capture.state !== 'reading') return;
    if (!(chunk instanceof Uint8Array)) return finish('incomplete'); // decoded by setEncoding
    capture.size += chunk.length;
    if (capture.size > limit) {
      capture.state = 'too-large';
      capture.chunks = [];
    } else capture.chunks.push(Buffer.from(chunk));
  };
  // Every reader (on('data'), read(), pipe, async iteration) receives chunks through 'data'.
  const emit = req.emit;
  req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
    if (event === 'data') record(args[0]);
    else if (event === 'end') finish('complete');
    else if (event === 'error' || event === 'aborted' || event === 'close') finish('incomplete');
    return emit.call(this, event, ...args);
  } as IncomingMessage['emit'];
}

/**
 * Waits until the captured body ended, reading it here when nothing else does. Resolves with
 * `too-large` when it exceeded the limit, `missing` when no capture was set up for a body.
 */
export async function settleRawBody(
  ctx: ParameterizedContext,
): Promise<'ready' | 'too-large' | 'missing'> {
  const capture = (ctx as WithCapture)[CAPTURE];
  if (!capture) return 'missing';
  const req = ctx.req;
  if (
    capture.state === 'reading' &&
    req.readableFlowing !== true &&
    req.listenerCount('data') === 0
  ) {
    req.resume(); // no parser took this body: let it flow past the capture
  }
  await capture.settled;
  return capture.state === 'too-large' ? 'too-large' : 'ready';
}

/** The captured body bytes, once the whole body was received. */
export function rawBodyOf(ctx: ParameterizedContext): Buffer | undefined {
  return (ctx as WithCapture)[CAPTURE]?.state === 'complete' ? ctx.state.rawBody : undefined;
}
