import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FapiHttpException } from './fapi-http.exception.js';

/**
 * Writes a `FapiHttpException` to the wire: core's headers, status and JSON body, through the
 * platform's HTTP adapter (Express or Fastify). `FapiGuardModule` registers it as `APP_FILTER`;
 * filters bound closer to the route (`@UseFilters`) or with `app.useGlobalFilters()` run
 * instead of it for the same exception.
 */
@Catch(FapiHttpException)
export class FapiExceptionFilter implements ExceptionFilter<FapiHttpException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: FapiHttpException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    for (const [name, value] of Object.entries(exception.headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}
