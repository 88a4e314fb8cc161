import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { BANKING_STORE, type BankingStore } from '../store/banking.store.js';
import { openBankingStore } from '../store/banking-store.factory.js';
import { AuditLog, type AuditWriter } from './audit-log.service.js';
import { AuthServerFetch } from './auth-server-fetch.js';
import { DpopReplayStore } from './dpop-replay-store.provider.js';

/** Replacements for tests or other deployments. */
export interface SharedOverrides {
  /**
   * Default: the SQL store on `config.database` (PostgreSQL with `DATABASE_URL`, else embedded
   * PGlite), migrated and seeded with the demo data once; closed on shutdown. A store given
   * here is used as it is (e.g. a `MemoryBankingStore`).
   */
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
        {
          provide: BANKING_STORE,
          useFactory: async (): Promise<BankingStore> => {
            if (overrides.store) return overrides.store;
            const logger = new Logger('BankingStore');
            return openBankingStore(config.database, {
              onIdleError: (error) => logger.warn(`PostgreSQL connection: ${error.message}`),
            });
          },
        },
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
