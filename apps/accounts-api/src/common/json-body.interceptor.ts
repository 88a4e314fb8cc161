/**
 * Reads JSON request bodies after the guards, not before them: the throttler counts and the FAPI
 * guard verifies (and audits) a request whose body is malformed or too large like any other,
 * and the failure is answered in the API's `{ error, error_description }` shape.
 */
import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { from, switchMap, type Observable } from 'rxjs';

/** Largest JSON body accepted, in bytes (Express's default). */
export const MAX_JSON_BODY_BYTES = 100 * 1024;

interface BodyRequest extends IncomingMessage {
  body?: unknown;
  /** The bytes `captureRawBody` kept before the guards: parsed instead of the stream. */
  rawBody?: Buffer;
}

/** Whether the request announces a body (`content-length` other than 0, or chunked). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/** `application/json` or `application/*+json`, UTF-8 (or no charset). */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type = '', ...parameters] = contentType.toLowerCase().split(';');
  const charset = parameters.map((p) => p.trim()).find((p) => p.startsWith('charset='));
  return (
    /^application\/([\w.+-]+\+)?json$/.test(type.trim()) &&
    (charset === undefined || /^charset="?utf-8"?$/.test(charset))
  );
}

function tooLarge(): HttpException {
  return new PayloadTooLargeException({
    error: 'invalid_request',
    error_description: `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes`,
  });
}

/**
 * Reads the body of `request` as JSON (at most {@link MAX_JSON_BODY_BYTES}). Rejects with 413
 * (too large), 415 (not JSON) or 400 (not valid JSON) in the API's error shape.
 *
 * @example
 * request.body = await readJsonBody(request);
 */
export async function readJsonBody(request: BodyRequest): Promise<unknown> {
  if (request.rawBody !== undefined) {
    if (!isJson(request.headers['content-type'])) throw notJson();
    return parseJson(request.rawBody);
  }
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_JSON_BODY_BYTES) {
    request.resume(); // drain, so the connection can answer
    throw tooLarge();
  }
  if (!isJson(request.headers['content-type'])) {
    request.resume();
    throw notJson();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return parseJson(Buffer.concat(chunks));
}

function notJson(): HttpException {
  return new UnsupportedMediaTypeException({
    error: 'invalid_request',
    error_description: 'The request body must be JSON (Content-Type: application/json)',
  });
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BadRequestException({
      error: 'invalid_request',
      error_description: 'The request body is not valid JSON',
    });
  }
}

/**
 * Global interceptor (`app.useGlobalInterceptors(new JsonBodyInterceptor())`, with Nest's own
 * body parser off): puts the parsed JSON body on `request.body` before pipes and handlers run.
 * Requests without a body are left alone.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, { bodyParser: false });
 * app.useGlobalInterceptors(new JsonBodyInterceptor());
 * ```
 */
export class JsonBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<BodyRequest>();
    if (request.body !== undefined || !hasBody(request)) return next.handle();
    return from(readJsonBody(request)).pipe(
      switchMap((body) => {
        request.body = body;
        return next.handle();
      }),
    );
  }
}
