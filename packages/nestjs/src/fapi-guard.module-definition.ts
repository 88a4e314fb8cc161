import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { CorsOptions, ResourceServerOptions } from '@fapi-guard/core';
import { FapiGuard } from './fapi.guard.js';

/** The options of `FapiGuardModule`: core's `createResourceServer` options, plus `cors`. */
export interface FapiGuardModuleOptions extends ResourceServerOptions {
  /**
   * Lets browser pages on the listed origins call the API (`cors: { origins:
   * ['https://app.example'] }`; the other keys are in core's `CorsOptions`). The module mounts
   * a middleware on every route: a request from a listed origin gets
   * `Access-Control-Allow-Origin`, `Vary: Origin` and `Access-Control-Expose-Headers:
   * WWW-Authenticate, DPoP-Nonce, x-fapi-interaction-id` on every answer, `FapiGuard`'s 401s
   * included; its preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204
   * there, without a token, before any guard or handler. Any other origin gets no CORS headers,
   * and its preflight meets the guards like any request. Checked at bootstrap (TypeError naming
   * the key). Default: none.
   */
  cors?: CorsOptions;
}

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
    if (typeof extras.global !== 'boolean') {
      throw new TypeError('FapiGuardModule: global must be a boolean');
    }
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

/** The keys `forRootAsync()` takes: Nest's async module keys and the `global` extra. */
const ASYNC_OPTION_KEYS: readonly string[] = [
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'provideInjectionTokensFrom',
  'global',
];

/**
 * @internal Checks the argument of `forRootAsync()`, whose unknown keys Nest would otherwise
 * drop silently (a `gloabl: true` would leave every route unguarded): a TypeError names the key.
 * The options the factory returns are core's to check.
 */
export function assertAsyncOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('FapiGuardModule.forRootAsync(): options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!ASYNC_OPTION_KEYS.includes(key)) {
      throw new TypeError(
        `FapiGuardModule.forRootAsync(): unknown option "${key}" (known: ${ASYNC_OPTION_KEYS.join(', ')})`,
      );
    }
  }
  const given = ['useFactory', 'useClass', 'useExisting'].filter(
    (key) => (options as Record<string, unknown>)[key] !== undefined,
  );
  if (given.length !== 1) {
    throw new TypeError(
      'FapiGuardModule.forRootAsync(): give exactly one of useFactory, useClass, useExisting',
    );
  }
}

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
