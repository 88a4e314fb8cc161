import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { BANKING_STORE, type BankingStore } from '../store/banking.store.js';
import { MemoryBankingStore } from '../store/memory-banking.store.js';
import { AuditLog, type AuditWriter } from './audit-log.service.js';
import { AuthServerFetch } from './auth-server-fetch.js';
import { DpopReplayStore } from './dpop-replay-store.provider.js';

/** Replacements for tests or other deployments. */
export interface SharedOverrides {
  /** Default: a `MemoryBankingStore` seeded with the demo data. */
  store?: BankingStore;
  /** Default: `Date.now`. */
  clock?: Clock;
  /** Default: the `AUDIT_LOG` sink. */
  audit?: AuditWriter;
}

/**
 * Configuration, clock, data store, audit log, the AS transport and the DPoP replay store, for
 * every module.
 */
@Global()
@Module({})
export class SharedModule {
  static register(config: ResolvedAppConfig, overrides: SharedOverrides = {}): DynamicModule {
    return {
      module: SharedModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: overrides.clock ?? Date.now },
        { provide: BANKING_STORE, useFactory: () => overrides.store ?? new MemoryBankingStore() },
        {
          provide: AuditLog,
          useValue: new AuditLog(overrides.audit ?? AuditLog.writer(config.audit)),
        },
        AuthServerFetch,
        DpopReplayStore,
      ],
      exports: [APP_CONFIG, CLOCK, BANKING_STORE, AuditLog, AuthServerFetch, DpopReplayStore],
    };
  }
}
