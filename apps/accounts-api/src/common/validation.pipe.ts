import { ValidationPipe } from '@nestjs/common';
import { fieldErrors, invalidRequest } from './api-errors.js';

/**
 * Validates bodies and queries against their DTO classes: unknown members are refused, values
 * are converted (query numbers), and failures answer 400 `invalid_request` with one entry per
 * field (`{ field: 'instructedAmount.amount', messages: [...] }`).
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => invalidRequest(fieldErrors(errors), 'The request is invalid'),
  });
}
