/**
 * How FapiGuardModule's rejections are rendered: exactly `{ error, error_description }` without
 * internals, also through Nest's base filter and a catch-all filter (status, challenge and
 * interaction id kept), and replaced by the application's own filter for FapiHttpException
 * (`@UseFilters`, `app.useGlobalFilters()`, an `APP_FILTER` imported after the module).
 */
import {
  Catch,
  Controller,
  Get,
  Module,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { APP_FILTER, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import request from 'supertest';
import { FapiHttpException } from '../src/index.js';
import { dpopHeaders, INTERACTION_ID, PLATFORMS, type Platform } from './fixture.js';
import {
  closedAfterEach,
  expectNoInternals,
  forRoot,
  GuardedController,
  MISCONFIGURED,
  TypoController,
  UnguardedController,
} from './module-app.js';

@Catch(FapiHttpException)
class TeapotFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: FapiHttpException, host: ArgumentsHost) {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const interactionId = exception.fapiError.interactionId ?? '';
    httpAdapter.setHeader(response, 'x-fapi-interaction-id', interactionId);
    httpAdapter.reply(response, { mine: exception.fapiError.code }, 418);
  }
}

@UseFilters(TeapotFilter)
@Controller('filtered')
class FilteredController {
  @Get()
  index() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('FapiGuardModule on %s', (platform: Platform) => {
  const start = closedAfterEach();

  it('answers a rejection with exactly { error, error_description } and no internals', async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [UnguardedController],
    });
    const res = await request(app.getHttpServer())
      .get('/open')
      .set({ authorization: 'DPoP not.a.jwt', dpop: 'not.a.jwt' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
    expect(res.body.error).toBe('invalid_token');
    expectNoInternals(res.text);
  });

  it("keeps status and body, without internals, when Nest's base filter renders the rejection", async () => {
    const app = await start(
      platform,
      { imports: [await forRoot(false)], controllers: [TypoController, GuardedController] },
      (nest) =>
        nest.useGlobalFilters(new BaseExceptionFilter(nest.get(HttpAdapterHost).httpAdapter)),
    );
    const refused = await request(app.getHttpServer()).get('/guarded');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^DPoP algs=/);
    expect(refused.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication required',
    });
    const misconfigured = await request(app.getHttpServer())
      .get('/typo')
      .set(await dpopHeaders('GET', '/typo'));
    expect(misconfigured.status).toBe(500);
    expect(misconfigured.body).toEqual(MISCONFIGURED);
    expectNoInternals(misconfigured.text);
  });

  it('lets a @UseFilters filter for FapiHttpException replace the module filter', async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [FilteredController],
    });
    const res = await request(app.getHttpServer())
      .get('/filtered')
      .set('x-fapi-interaction-id', INTERACTION_ID);
    expect(res.status).toBe(418);
    expect(res.body).toEqual({ mine: 'ERR_FAPI_NO_CREDENTIALS' });
    expect(res.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
  });

  it('lets app.useGlobalFilters() replace the module filter', async () => {
    const app = await start(
      platform,
      { imports: [await forRoot(true)], controllers: [UnguardedController] },
      (nest) => nest.useGlobalFilters(new TeapotFilter(nest.get(HttpAdapterHost))),
    );
    const res = await request(app.getHttpServer()).get('/open');
    expect(res.status).toBe(418);
    expect(res.body).toEqual({ mine: 'ERR_FAPI_NO_CREDENTIALS' });
  });

  it('lets an APP_FILTER from a module imported after FapiGuardModule replace the module filter', async () => {
    @Module({ providers: [{ provide: APP_FILTER, useClass: TeapotFilter }] })
    class FiltersModule {}
    const app = await start(platform, {
      imports: [await forRoot(true), FiltersModule],
      controllers: [UnguardedController],
    });
    const res = await request(app.getHttpServer()).get('/open');
    expect(res.status).toBe(418);
  });

  it('keeps the challenge when a catch-all filter of the application renders the rejection', async () => {
    @Catch()
    class CatchAllFilter extends BaseExceptionFilter {}
    const app = await start(
      platform,
      { imports: [await forRoot(true)], controllers: [UnguardedController] },
      (nest) => nest.useGlobalFilters(new CatchAllFilter(nest.get(HttpAdapterHost).httpAdapter)),
    );
    const res = await request(app.getHttpServer())
      .get('/open')
      .set('x-fapi-interaction-id', INTERACTION_ID);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^DPoP algs=/);
    expect(res.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
    expect(res.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication required',
    });
  });
});
