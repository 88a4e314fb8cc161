import { HttpException } from '@nestjs/common';
import type { FapiError, FapiErrorBody } from '@fapi-guard/core';

/**
 * A rejection by `FapiGuard`, in Nest's exception layer. It carries core's `FapiError`: the
 * status, the JSON body (`error`, `error_description`) and the headers to send
 * (`WWW-Authenticate`, `DPoP-Nonce`, `Cache-Control: no-store`, `x-fapi-interaction-id`).
 * `FapiExceptionFilter` writes them; a filter of your own for this class must copy `headers`
 * too, or clients lose the challenge.
 *
 * @example
 * ```ts
 * @Catch(FapiHttpException)
 * class AuditFilter implements ExceptionFilter {
 *   catch(exception: FapiHttpException, host: ArgumentsHost) {
 *     log(exception.fapiError.code, exception.headers['x-fapi-interaction-id']);
 *     // ...then write exception.headers, exception.getStatus() and exception.getResponse()
 *   }
 * }
 * ```
 * @see RFC 6750 §3, RFC 9449 §7.1
 */
export class FapiHttpException extends HttpException {
  /** The core error: stable `code`, OAuth `error`, `scheme`, `scope`; the cause stays on it. */
  readonly fapiError: FapiError;
  /** Response headers rendered by core, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(error: FapiError) {
    super(error.body(), error.status, { cause: error, description: error.description });
    this.fapiError = error;
    this.headers = Object.freeze({ ...error.headers });
  }

  /** The JSON body, `{ error, error_description }`. */
  override getResponse(): FapiErrorBody {
    return super.getResponse() as FapiErrorBody;
  }
}
