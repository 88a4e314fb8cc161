import {
  Catch,
  Controller,
  Get,
  Injectable,
  Module,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import request from 'supertest';
import { memoryReplayStore, type ReplayStore } from '@fapi-guard/core';
import {
  FAPI_REPLAY_STORE,
  FAPI_RESOURCE_SERVER,
  FapiGuard,
  FapiGuardModule,
  FapiHttpException,
  FapiPrincipal,
  Public,
  RequireScopes,
  type FapiGuardModuleAsyncOptions,
  type FapiGuardModuleForRootOptions,
  type FapiGuardModuleOptions,
  type Principal,
  type Requirements,
  type ResourceServer,
} from '../src/index.js';
import {
  createApp,
  dpopHeaders,
  fapiOptions,
  fixture,
  INTERACTION_ID,
  PLATFORMS,
  startApp,
  type Platform,
} from './fixture.js';

@Controller('open')
class UnguardedController {
  @Get()
  index() {
    return { ok: true };
  }
}

@UseGuards(FapiGuard)
@Controller('guarded')
class GuardedController {
  @RequireScopes('accounts')
  @Get()
  index(@FapiPrincipal('subject') subject: string) {
    return { subject };
  }
}

/** A recording store, to see which store the verifier uses. */
function recordingStore(): ReplayStore & { keys: string[]; closed: number } {
  const inner = memoryReplayStore();
  const store = {
    keys: [] as string[],
    closed: 0,
    checkAndStore(key: string, ttl: number) {
      store.keys.push(key);
      return inner.checkAndStore(key, ttl);
    },
    close() {
      store.closed += 1;
    },
  };
  return store;
}

const CONFIG = Symbol('CONFIG');

@Module({
  providers: [{ provide: CONFIG, useFactory: () => fapiOptions() }],
  exports: [CONFIG],
})
class ConfigModule {}

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

@Injectable()
class StrictGuard extends FapiGuard {
  seen: string[] = [];

  protected override getRequirements(context: ExecutionContext): Requirements {
    return { ...super.getRequirements(context), scopes: ['accounts'] };
  }

  protected override onPrincipal(principal: Principal): boolean {
    this.seen.push(principal.interactionId);
    return principal.clientId === 'client-1';
  }
}

@UseGuards(StrictGuard)
@Controller('strict')
class StrictController {
  @Get()
  index() {
    return { ok: true };
  }
}

/** Adds `payments` to what the route's decorators ask for. */
@Injectable()
class PaymentsGuard extends FapiGuard {
  protected override getRequirements(context: ExecutionContext): Requirements {
    const own = super.getRequirements(context);
    return { ...own, scopes: [...(own.scopes ?? []), 'payments'] };
  }
}

@UseGuards(PaymentsGuard)
@Controller('transfers')
class TransfersController {
  @RequireScopes('accounts')
  @Get()
  index(@FapiPrincipal('subject') subject: string) {
    return { subject };
  }
}

/** A subclass whose requirements carry a typo: it must fail closed, never skip the check. */
@Injectable()
class TypoGuard extends FapiGuard {
  protected override getRequirements(): Requirements {
    return { scope: ['accounts'] } as Requirements;
  }
}

@UseGuards(TypoGuard)
@Controller('typo')
class TypoController {
  @Get()
  index() {
    return { ok: true };
  }
}

const MISCONFIGURED = {
  error: 'server_error',
  error_description: 'The resource server is misconfigured',
};

/** What never leaves the process in a rejection body: a stack frame or an internal message. */
function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/stack|\bat \S+ \(|TypeError|unknown requirement/);
}

async function forRoot(global: boolean, overrides: Partial<FapiGuardModuleOptions> = {}) {
  return FapiGuardModule.forRoot({ ...(await fapiOptions(overrides)), global });
}

describe.each(PLATFORMS)('FapiGuardModule on %s', (platform: Platform) => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  async function start(...args: Parameters<typeof createApp>): Promise<INestApplication> {
    const app = await createApp(...args);
    apps.push(app);
    return app;
  }

  it('forRootAsync builds the verifier from a factory with imports and inject', async () => {
    const app = await start(platform, {
      imports: [
        FapiGuardModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: FapiGuardModuleOptions) => config,
          global: true,
        }),
      ],
      controllers: [UnguardedController],
    });
    expect((await request(app.getHttpServer()).get('/open')).status).toBe(401);
    const ok = await request(app.getHttpServer())
      .get('/open')
      .set(await dpopHeaders('GET', '/open'));
    expect(ok.status).toBe(200);
  });

  it('without global, guards only what @UseGuards(FapiGuard) marks, from another module', async () => {
    @Module({ controllers: [UnguardedController, GuardedController] })
    class FeatureModule {}
    const app = await start(platform, { imports: [await forRoot(false), FeatureModule] });
    expect((await request(app.getHttpServer()).get('/open')).status).toBe(200);
    const refused = await request(app.getHttpServer()).get('/guarded');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^DPoP algs=/);
    const ok = await request(app.getHttpServer())
      .get('/guarded')
      .set(await dpopHeaders('GET', '/guarded'));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ subject: 'user-1' });
  });

  it('with global, guards every route (secure by default)', async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [UnguardedController],
    });
    expect((await request(app.getHttpServer()).get('/open')).status).toBe(401);
  });

  it('verifies once when the global guard and @UseGuards(FapiGuard) both apply', async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [GuardedController],
    });
    const res = await request(app.getHttpServer())
      .get('/guarded')
      .set(await dpopHeaders('GET', '/guarded'));
    expect(res.status).toBe(200);
  });

  it('verifies once when the global guard and a subclass adding a scope both apply', async () => {
    const store = recordingStore();
    const app = await start(platform, {
      imports: [await forRoot(true, { dpop: { replayStore: store } })],
      controllers: [TransfersController],
    });
    const ok = await request(app.getHttpServer())
      .get('/transfers')
      .set(await dpopHeaders('GET', '/transfers'));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ subject: 'user-1' });
    // One proof seen by the replay store: the second guard reused the first one's verification.
    expect(store.keys).toHaveLength(1);
  });

  it("answers 403 insufficient_scope when only the second guard's extra scope is missing", async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [TransfersController],
    });
    const res = await request(app.getHttpServer())
      .get('/transfers')
      .set(await dpopHeaders('GET', '/transfers', { scope: 'accounts' }));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not grant the required scope',
    });
    expect(res.headers['www-authenticate']).toMatch(/^DPoP error="insufficient_scope"/);
    expect(res.headers['www-authenticate']).toContain('scope="accounts payments"');
  });

  it('answers 403 from the global guard before the second guard runs', async () => {
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [TransfersController],
    });
    const res = await request(app.getHttpServer())
      .get('/transfers')
      .set(await dpopHeaders('GET', '/transfers', { scope: 'payments' }));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="accounts"');
  });

  it('fails closed with 500 server_error when a subclass returns an unknown requirement', async () => {
    const app = await start(platform, {
      imports: [await forRoot(false)],
      controllers: [TypoController],
    });
    const res = await request(app.getHttpServer())
      .get('/typo')
      .set(await dpopHeaders('GET', '/typo'));
    expect(res.status).toBe(500);
    expect(res.body).toEqual(MISCONFIGURED);
    expectNoInternals(res.text);
  });

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

  it('runs a subclass with overridden hooks', async () => {
    const app = await start(platform, {
      imports: [await forRoot(false)],
      controllers: [StrictController],
    });
    const refused = await request(app.getHttpServer())
      .get('/strict')
      .set(await dpopHeaders('GET', '/strict', { scope: 'payments' }));
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toContain('scope="accounts"');
    const otherClient = await request(app.getHttpServer())
      .get('/strict')
      .set(await dpopHeaders('GET', '/strict', { claims: { client_id: 'client-2' } }))
      .set('x-fapi-interaction-id', INTERACTION_ID);
    expect(otherClient.status).toBe(403);
    expect(otherClient.headers['x-fapi-interaction-id']).toBe(INTERACTION_ID);
    const ok = await request(app.getHttpServer())
      .get('/strict')
      .set(await dpopHeaders('GET', '/strict'));
    expect(ok.status).toBe(200);
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

  it('uses a replay store given in the options and leaves it open on shutdown', async () => {
    const store = recordingStore();
    const app = await createApp(platform, {
      imports: [await forRoot(true, { dpop: { replayStore: store } })],
      controllers: [UnguardedController],
    });
    expect(app.get(FAPI_REPLAY_STORE)).toBe(store);
    const headers = await dpopHeaders('GET', '/open');
    expect((await request(app.getHttpServer()).get('/open').set(headers)).status).toBe(200);
    expect((await request(app.getHttpServer()).get('/open').set(headers)).status).toBe(401);
    expect(store.keys).toHaveLength(2);
    await app.close();
    expect(store.closed).toBe(0);
  });

  it('uses an overridden FAPI_REPLAY_STORE provider', async () => {
    const store = recordingStore();
    const moduleRef = await Test.createTestingModule({
      imports: [await forRoot(true)],
      controllers: [UnguardedController],
    })
      .overrideProvider(FAPI_REPLAY_STORE)
      .useValue(store)
      .compile();
    const app = await startApp(platform, moduleRef);
    const ok = await request(app.getHttpServer())
      .get('/open')
      .set(await dpopHeaders('GET', '/open'));
    expect(ok.status).toBe(200);
    expect(store.keys).toHaveLength(1);
    await app.close();
    expect(store.closed).toBe(0);
  });

  it('closes the verifier and the default replay store on shutdown', async () => {
    const app = await createApp(platform, {
      imports: [await forRoot(true)],
      controllers: [UnguardedController],
    });
    const store = app.get<ReplayStore>(FAPI_REPLAY_STORE);
    const verifier = app.get<ResourceServer>(FAPI_RESOURCE_SERVER);
    const storeClose = jest.spyOn(store, 'close');
    const verifierClose = jest.spyOn(verifier, 'close');
    await app.close();
    expect(verifierClose).toHaveBeenCalledTimes(1);
    expect(storeClose).toHaveBeenCalledTimes(1);
  });

  it('exposes the verifier for RFC 9728 metadata', async () => {
    @Public()
    @Controller()
    class MetadataController {
      constructor(
        @((await import('@nestjs/common')).Inject(FAPI_RESOURCE_SERVER))
        private readonly verifier: ResourceServer,
      ) {}

      @Get('.well-known/oauth-protected-resource')
      metadata() {
        return this.verifier.metadata();
      }
    }
    const app = await start(platform, {
      imports: [await forRoot(true)],
      controllers: [MetadataController],
    });
    const res = await request(app.getHttpServer()).get('/.well-known/oauth-protected-resource');
    expect(res.status).toBe(200);
    expect(res.body.resource).toBe((await fixture()).options.audience);
  });
});

describe('FapiGuardModule options', () => {
  it('fails the bootstrap with a TypeError naming a bad option', async () => {
    const compile = Test.createTestingModule({
      imports: [FapiGuardModule.forRoot({ ...(await fapiOptions()), audience: [] })],
    }).compile();
    await expect(compile).rejects.toThrow(/audience/);
  });

  it.each([
    ['gloabl', { gloabl: true }],
    ['publicURL', { publicURL: 'https://api.bank.test' }],
  ])('forRoot: a misspelt %s fails the bootstrap with a TypeError naming it', async (key, typo) => {
    const options = { ...(await fapiOptions()), ...typo } as FapiGuardModuleForRootOptions;
    const compile = Test.createTestingModule({
      imports: [FapiGuardModule.forRoot(options)],
    }).compile();
    await expect(compile).rejects.toThrow(TypeError);
    await expect(compile).rejects.toThrow(new RegExp(`^${key}: unknown option`));
  });

  it('forRoot: a global that is not a boolean is a TypeError', async () => {
    const options = {
      ...(await fapiOptions()),
      global: 'yes',
    } as unknown as FapiGuardModuleForRootOptions;
    expect(() => FapiGuardModule.forRoot(options)).toThrow(
      new TypeError('FapiGuardModule: global must be a boolean'),
    );
  });

  it('forRootAsync: a misspelt gloabl is a TypeError naming it', () => {
    const options = { useFactory: fapiOptions, gloabl: true } as FapiGuardModuleAsyncOptions;
    expect(() => FapiGuardModule.forRootAsync(options)).toThrow(TypeError);
    expect(() => FapiGuardModule.forRootAsync(options)).toThrow(/unknown option "gloabl"/);
  });

  it('forRootAsync: a misspelt publicURL from the factory fails the bootstrap with a TypeError naming it', async () => {
    const compile = Test.createTestingModule({
      imports: [
        FapiGuardModule.forRootAsync({
          useFactory: async () =>
            ({
              ...(await fapiOptions()),
              publicURL: 'https://api.bank.test',
            }) as FapiGuardModuleOptions,
          global: true,
        }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(TypeError);
    await expect(compile).rejects.toThrow(/^publicURL: unknown option/);
  });

  it('forRootAsync: global returned by the factory (instead of given next to it) is refused', async () => {
    const compile = Test.createTestingModule({
      imports: [
        FapiGuardModule.forRootAsync({
          useFactory: async () =>
            ({ ...(await fapiOptions()), global: true }) as FapiGuardModuleOptions,
        }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow(/^global: unknown option/);
  });

  it('forRootAsync: exactly one of useFactory, useClass, useExisting', () => {
    expect(() => FapiGuardModule.forRootAsync({ global: true })).toThrow(
      new TypeError(
        'FapiGuardModule.forRootAsync(): give exactly one of useFactory, useClass, useExisting',
      ),
    );
  });

  it('does not pass the global extra to core', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [await forRoot(true)],
    }).compile();
    const { FAPI_GUARD_MODULE_OPTIONS } = await import('../src/index.js');
    expect(moduleRef.get(FAPI_GUARD_MODULE_OPTIONS)).not.toHaveProperty('global');
    await moduleRef.close();
  });
});
