/**
 * Injection token of the DPoP replay store, typed as core's `ReplayStore`. The module provides
 * core's bounded `memoryReplayStore()` (closed on shutdown) unless the options carry
 * `dpop.replayStore` or the provider is overridden; a store you provide is yours to close.
 *
 * @example
 * // a shared store for a cluster
 * FapiGuardModule.forRootAsync({
 *   inject: [REDIS],
 *   useFactory: (redis: Redis) => ({ ...options, dpop: { replayStore: redisReplayStore(redis) } }),
 * });
 * // or, in tests
 * Test.createTestingModule({ imports: [AppModule] }).overrideProvider(FAPI_REPLAY_STORE).useValue(store);
 * @see RFC 9449 §11.1 (proof replay)
 */
export const FAPI_REPLAY_STORE = Symbol('FAPI_REPLAY_STORE');

/**
 * Injection token of the core verifier (`ResourceServer` from `createResourceServer`), built
 * once from the module options. Inject it to serve `metadata()` (RFC 9728) or to verify by hand.
 */
export const FAPI_RESOURCE_SERVER = Symbol('FAPI_RESOURCE_SERVER');
