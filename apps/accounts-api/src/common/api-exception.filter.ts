/**
 * One face for every error the API sends: fapi-guard's rejections as the guard rendered them,
 * the API's own `{ error, error_description }` bodies as they are, and everything else (unknown
 * routes, undecodable paths, body-parser failures, the throttler's 429, a crash) mapped by status
 * to the same shape, without the framework's or a library's message.
 */
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { FapiExceptionFilter, FapiHttpException } from '@fapi-guard/nestjs';
import type { IncomingMessage } from 'node:http';
import type { ErrorResponse } from './api-errors.js';
import type { RouteMethods } from './route-methods.js';

/**
 * The body for a status whose exception carries no `{ error, error_description }` of ours.
 *
 * @example
 * errorForStatus(404); // { error: 'not_found', error_description: 'There is no such resource' }
 */
export function errorForStatus(status: number): ErrorResponse {
  switch (status) {
    case 400:
      return { error: 'invalid_request', error_description: 'The request is malformed' };
    case 403:
      return { error: 'access_denied', error_description: 'The request is not allowed' };
    case 404:
      return { error: 'not_found', error_description: 'There is no such resource' };
    case 405:
      return {
        error: 'method_not_allowed',
        error_description: 'The resource does not support this method',
      };
    case 413:
      return { error: 'invalid_request', error_description: 'The request body is too large' };
    case 415:
      return {
        error: 'invalid_request',
        error_description: 'The request body must be JSON (Content-Type: application/json)',
      };
    case 429:
      return { error: 'too_many_requests', error_description: 'Too many requests: slow down' };
    case 503:
      return {
        error: 'temporarily_unavailable',
        error_description: 'The service is temporarily unavailable',
      };
    default:
      return status < 500
        ? { error: 'invalid_request', error_description: 'The request is invalid' }
        : { error: 'server_error', error_description: 'The server could not complete the request' };
  }
}

function isApiErrorBody(body: unknown): body is ErrorResponse {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ErrorResponse).error === 'string' &&
    typeof (body as ErrorResponse).error_description === 'string'
  );
}

/**
 * Global filter (`app.useGlobalFilters(new ApiExceptionFilter(adapterHost))`): fapi-guard's
 * rejections go to its own filter (challenge headers included); the rest is answered with
 * `{ error, error_description }`, `Cache-Control: no-store` and the `x-fapi-interaction-id`
 * the `fapiHeaders()` middleware set. A path that a route serves with other methods is 405 with
 * `Allow` (from `routeMethods`). Unexpected errors are logged, never shown.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule);
 * app.useGlobalFilters(
 *   new ApiExceptionFilter(app.get(HttpAdapterHost), routeMethods(app.get(ModulesContainer))),
 * );
 * ```
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');
  private readonly fapi: FapiExceptionFilter;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly methodsOf: RouteMethods = () => [],
  ) {
    this.fapi = new FapiExceptionFilter(adapterHost);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof FapiHttpException) {
      this.fapi.catch(exception, host);
      return;
    }
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    let status = 500;
    let body: ErrorResponse;
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const given = exception.getResponse();
      body = isApiErrorBody(given) ? given : errorForStatus(status);
      if (status === 404 && !isApiErrorBody(given)) {
        const request = host.switchToHttp().getRequest<IncomingMessage>();
        const allowed = this.methodsOf((request.url ?? '/').split('?', 1)[0] as string);
        if (allowed.length > 0) {
          status = 405;
          body = errorForStatus(405);
          httpAdapter.setHeader(response, 'allow', allowed.join(', '));
        }
      }
    } else {
      body = errorForStatus(status);
    }
    if (status >= 500 && !(exception instanceof HttpException && status === 503)) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : exception,
      );
    }
    httpAdapter.setHeader(response, 'cache-control', 'no-store');
    httpAdapter.reply(response, body, status);
  }
}
