import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ResourceServerOptions } from '@fapi-guard/core';
import { FapiGuard } from './fapi.guard.js';

/** The options of `FapiGuardModule`: exactly core's `createResourceServer` options. */
export type FapiGuardModuleOptions = ResourceServerOptions;

/** Module-level settings given next to the verifier options (never passed to core). */
export interface FapiGuardModuleExtras {
  /**
   * Registers `FapiGuard` as `APP_GUARD`: every route then needs a valid sender-constrained
   * token unless it is marked `@Public()` (secure by default). Default `false`: put
   * `@UseGuards(FapiGuard)` on the controllers or handlers to protect.
   */
  global?: boolean;
}

const definition = new ConfigurableModuleBuilder<FapiGuardModuleOptions>({
  moduleName: 'FapiGuard',
})
  .setClassMethodName('forRoot')
  .setExtras<FapiGuardModuleExtras>({ global: false }, (module, extras) => {
    const guard: Provider[] = extras.global ? [{ provide: APP_GUARD, useClass: FapiGuard }] : [];
    return {
      ...module,
      // One verifier per application: a global module lets `@UseGuards(FapiGuard)` resolve its
      // dependencies in any feature module.
      global: true,
      providers: [...(module.providers ?? []), ...guard],
    };
  })
  .build();

/** @internal The base class `FapiGuardModule` extends (gives `forRoot` and `forRootAsync`). */
export const ConfigurableModuleClass = definition.ConfigurableModuleClass;

/** Injection token of the module options (core's `ResourceServerOptions`, without `global`). */
export const FAPI_GUARD_MODULE_OPTIONS: string | symbol = definition.MODULE_OPTIONS_TOKEN;

/** The argument of `FapiGuardModule.forRoot()`: the verifier options plus `global`. */
export type FapiGuardModuleForRootOptions = typeof definition.OPTIONS_TYPE;

/**
 * The argument of `FapiGuardModule.forRootAsync()`: `imports`, `inject` and `useFactory`
 * (or `useClass`/`useExisting` of a factory class), plus `global`.
 */
export type FapiGuardModuleAsyncOptions = typeof definition.ASYNC_OPTIONS_TYPE;
