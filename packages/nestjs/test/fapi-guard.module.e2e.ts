/**
 * FapiGuardModule wiring: forRoot and forRootAsync, global or per-route guarding, one
 * verification when two guards apply, the replay store and shutdown, the verifier for RFC 9728
 * metadata, and the bootstrap refusing bad or misspelt options. Rejection rendering by filters
 * is in `fapi-guard.filters.e2e.ts`, guard subclasses in `fapi-guard.subclasses.e2e.ts`.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import request from 'supertest';
import type { ReplayStore } from '@fapi-guard/core';
import {
  FAPI_REPLAY_STORE,
  FAPI_RESOURCE_SERVER,
  FapiGuardModule,
  Public,
  type FapiGuardModuleAsyncOptions,
  type FapiGuardModuleForRootOptions,
  type FapiGuardModuleOptions,
  type ResourceServer,
} from '../src/index.js';
import {
  createApp,
  dpopHeaders,
  fapiOptions,
  fixture,
  PLATFORMS,
  startApp,
  type Platform,
} from './fixture.js';
import {
  closedAfterEach,
  forRoot,
  GuardedController,
  recordingStore,
  UnguardedController,
} from './module-app.js';

const CONFIG = Symbol('CONFIG');

@Module({
  providers: [{ provide: CONFIG, useFactory: () => fapiOptions() }],
  exports: [CONFIG],
})
class ConfigModule {}

describe.each(PLATFORMS)('FapiGuardModule on %s', (platform: Platform) => {
  const start = closedAfterEach();

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
