import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { invalidRequest } from '../common/api-errors.js';

/** 1 to 40 visible ASCII characters (a UUID fits), as open-banking APIs limit it. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,40}$/;

/** The `x-idempotency-key` header, or a 400 with a field error. Repeated headers are refused. */
export function checkIdempotencyKey(value: unknown): string {
  if (typeof value === 'string' && IDEMPOTENCY_KEY.test(value)) return value;
  throw invalidRequest(
    [
      {
        field: 'x-idempotency-key',
        messages: [
          value === undefined
            ? 'x-idempotency-key header is required'
            : 'x-idempotency-key must be one header of 1 to 40 visible ASCII characters',
        ],
      },
    ],
    'The request headers are invalid',
  );
}

/** Injects the validated `x-idempotency-key` (Nest applies no pipes to `@Headers()`). */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
  return checkIdempotencyKey(request.headers['x-idempotency-key']);
});
