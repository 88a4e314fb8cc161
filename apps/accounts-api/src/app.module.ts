import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { FapiGuardModule } from '@fapi-guard/nestjs';
import { AccountsModule } from './accounts/accounts.module.js';
import { APP_CONFIG, type ResolvedAppConfig } from './config/app-config.js';
import { DiscoveryModule } from './discovery/discovery.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { AccountsApiGuard } from './security/accounts-api.guard.js';
import { resourceServerOptions } from './security/resource-server.options.js';
import { AuditLog } from './shared/audit-log.service.js';
import { AuthServerFetch } from './shared/auth-server-fetch.js';
import { DpopReplayStore } from './shared/dpop-replay-store.provider.js';
import { SharedModule, type SharedOverrides } from './shared/shared.module.js';

/**
 * The application: fapi-guard's module (verifier, replay store, exception filter), a rate
 * limiter and then the FAPI guard on every route (both global, in that order: floods of bad
 * tokens are throttled before any signature is checked), and the feature modules.
 */
@Module({})
export class AppModule {
  static register(config: ResolvedAppConfig, overrides: SharedOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SharedModule.register(config, overrides),
        ThrottlerModule.forRoot({
          throttlers: [
            { name: 'default', ttl: config.rateLimit.ttlMs, limit: config.rateLimit.limit },
          ],
          errorMessage: 'Too many requests: slow down',
        }),
        FapiGuardModule.forRootAsync({
          inject: [APP_CONFIG, AuditLog, AuthServerFetch, DpopReplayStore],
          useFactory: resourceServerOptions,
        }),
        DiscoveryModule,
        AccountsModule,
        PaymentsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: AccountsApiGuard },
      ],
    };
  }
}
