/**
 * Error bodies of the API, in the same `{ error, error_description }` shape fapi-guard uses for
 * OAuth errors, plus `errors` (one entry per invalid field) for 400s.
 */
import {
  BadRequestException,
  NotFoundException,
  UnprocessableEntityException,
  type ValidationError,
} from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldError {
  @ApiProperty({ example: 'instructedAmount.amount' })
  field!: string;

  @ApiProperty({ type: [String] })
  messages!: string[];
}

export class ErrorResponse {
  @ApiProperty({ example: 'invalid_request' })
  error!: string;

  @ApiProperty({ example: 'The request body is invalid' })
  error_description!: string;

  @ApiPropertyOptional({ type: [FieldError] })
  errors?: FieldError[];
}

export function invalidRequest(
  errors: FieldError[],
  description = 'The request is invalid',
): BadRequestException {
  const body: ErrorResponse = { error: 'invalid_request', error_description: description, errors };
  return new BadRequestException(body);
}

export function notFound(description: string): NotFoundException {
  const body: ErrorResponse = { error: 'not_found', error_description: description };
  return new NotFoundException(body);
}

export function unprocessable(error: string, description: string): UnprocessableEntityException {
  const body: ErrorResponse = { error, error_description: description };
  return new UnprocessableEntityException(body);
}

/** class-validator errors, nested ones included, as `{ field: 'a.b', messages }`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) out.push({ field, messages: Object.values(error.constraints) });
    if (error.children?.length) out.push(...fieldErrors(error.children, field));
  }
  return out;
}
