import {
  Inject,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import {
  compileCors,
  createResourceServer,
  type CorsPolicy,
  memoryReplayStore,
  type ReplayStore,
  type ResourceServer,
} from '@fapi-guard/core';
import { FAPI_REPLAY_STORE, FAPI_RESOURCE_SERVER } from './fapi.constants.js';
import { fapiCorsMiddleware } from './fapi-cors.middleware.js';
import { FapiExceptionFilter } from './fapi-exception.filter.js';
import {
  assertAsyncOptions,
  ConfigurableModuleClass,
  FAPI_GUARD_MODULE_OPTIONS,
  type FapiGuardModuleAsyncOptions,
  type FapiGuardModuleOptions,
} from './fapi-guard.module-definition.js';
import { FapiRouteExplorer } from './fapi-route.explorer.js';
import { FapiSignedResponseInterceptor } from './signed-response.interceptor.js';

/** The compiled `cors` option (`null` without one). */
const FAPI_CORS_POLICY = Symbol('FAPI_CORS_POLICY');

/** Replay stores this module made (and so closes); stores given to it belong to the caller. */
const ownedStores = new WeakSet<ReplayStore>();

/**
 * Makes the application a FAPI 2.0 resource server. Builds core's verifier once from the
 * options (validated at startup: a misconfiguration fails the bootstrap with a TypeError naming
 * the option), provides the DPoP replay store, registers `FapiExceptionFilter` and, with
 * `global: true`, `FapiGuard` for every route, and the interceptor that signs the answers of
 * `@SignedResponse()` routes. Global module: import it once, in the root module.
 * When the application starts it checks every route: a handler using a
 * fapi-guard decorator that no FapiGuard protects, or that is `@Public()`, fails the bootstrap
 * with an Error naming it. On shutdown it closes the verifier and the default replay store.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     FapiGuardModule.forRoot({
 *       issuer: 'https://as.bank.example',
 *       audience: 'https://api.bank.example',
 *       jwksUri: 'https://as.bank.example/jwks',
 *       publicUrl: 'https://api.bank.example',
 *       global: true,
 *     }),
 *   ],
 *   controllers: [AccountsController],
 * })
 * class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: FAPI_REPLAY_STORE,
      inject: [FAPI_GUARD_MODULE_OPTIONS],
      useFactory: (options: FapiGuardModuleOptions): ReplayStore => {
        const given = options.dpop ? options.dpop.replayStore : undefined;
        if (given) return given;
        const store = memoryReplayStore(options.clock ? { clock: options.clock } : {});
        ownedStores.add(store);
        return store;
      },
    },
    {
      provide: FAPI_RESOURCE_SERVER,
      inject: [FAPI_GUARD_MODULE_OPTIONS, FAPI_REPLAY_STORE],
      useFactory: (
        { cors: _cors, ...options }: FapiGuardModuleOptions,
        replayStore: ReplayStore,
      ): ResourceServer =>
        createResourceServer(
          options.dpop === false ? options : { ...options, dpop: { ...options.dpop, replayStore } },
        ),
    },
    {
      provide: FAPI_CORS_POLICY,
      inject: [FAPI_GUARD_MODULE_OPTIONS],
      useFactory: (options: FapiGuardModuleOptions): CorsPolicy | null =>
        compileCors(options.cors) ?? null,
    },
    { provide: APP_FILTER, useClass: FapiExceptionFilter },
    { provide: APP_INTERCEPTOR, useClass: FapiSignedResponseInterceptor },
    FapiRouteExplorer,
  ],
  exports: [FAPI_GUARD_MODULE_OPTIONS, FAPI_REPLAY_STORE, FAPI_RESOURCE_SERVER],
})
export class FapiGuardModule
  extends ConfigurableModuleClass
  implements NestModule, OnApplicationShutdown
{
  constructor(
    @Inject(FAPI_RESOURCE_SERVER) private readonly resourceServer: ResourceServer,
    @Inject(FAPI_REPLAY_STORE) private readonly replayStore: ReplayStore,
    @Inject(FAPI_CORS_POLICY) private readonly corsPolicy: CorsPolicy | null,
  ) {
    super();
  }

  /** Mounts the `cors` middleware on every route when the options carry `cors`. */
  configure(consumer: MiddlewareConsumer): void {
    if (this.corsPolicy) {
      consumer
        .apply(fapiCorsMiddleware(this.corsPolicy))
        .forRoutes({ path: '*', method: RequestMethod.ALL });
    }
  }

  /**
   * The module with options from a factory (`useFactory` and `inject`, or a factory class with
   * `useClass`/`useExisting`), plus `global`. An unknown key is a TypeError naming it.
   *
   * @example
   * ```ts
   * FapiGuardModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => config.getOrThrow('fapi'),
   *   global: true,
   * });
   * ```
   */
  static override forRootAsync(options: FapiGuardModuleAsyncOptions): DynamicModule {
    assertAsyncOptions(options);
    return super.forRootAsync(options);
  }

  /** Closes the verifier, then the replay store if this module created it. */
  async onApplicationShutdown(): Promise<void> {
    await this.resourceServer.close();
    if (ownedStores.delete(this.replayStore)) await this.replayStore.close?.();
  }
}
