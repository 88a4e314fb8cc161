import { AccountsService, type Caller } from '../../src/accounts/accounts.service.js';
import type { PaymentRequest } from '../../src/store/banking.model.js';
import { PaymentsService } from '../../src/payments/payments.service.js';
import { AuditLog } from '../../src/shared/audit-log.service.js';
import { DEMO_ACCOUNTS, demoData } from '../../src/store/demo-data.js';
import { MemoryBankingStore } from '../../src/store/memory-banking.store.js';

/** The demo data is anchored here in unit tests: history runs 2025-01-15 .. 2025-07-14. */
export const ANCHOR = new Date('2025-07-15T10:00:00Z');
export const PUBLIC_URL = 'https://api.bank.test';

export const ALICE_DPOP: Caller = { subject: 'alice', clientId: 'dpop-client' };
export const ALICE_MTLS: Caller = { subject: 'alice', clientId: 'mtls-client' };
export const BOB_DPOP: Caller = { subject: 'bob', clientId: 'dpop-client' };

/** A store-level payment request of alice's (25.00 GBP to Bob), at {@link ANCHOR}. */
export function paymentRequest(overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return {
    subject: 'alice',
    clientId: 'dpop-client',
    debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
    amountMinor: 2500,
    currency: 'GBP',
    creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
    reference: 'Dinner',
    idempotencyKey: 'key-1',
    fingerprint: 'fp-1',
    now: ANCHOR.getTime(),
    settlementDelayMs: 5000,
    ...overrides,
  };
}

/** Services over a fresh seeded store, a movable clock and a captured audit trail. */
export function services(settlementDelayMs = 5000) {
  const store = new MemoryBankingStore(demoData(ANCHOR));
  let now = ANCHOR.getTime();
  const clock = () => now;
  const auditLines: Array<Record<string, unknown>> = [];
  const audit = new AuditLog((line) =>
    auditLines.push(JSON.parse(line) as Record<string, unknown>),
  );
  const config = { publicUrl: PUBLIC_URL, settlementDelayMs };
  const accounts = new AccountsService(store, clock, audit, config);
  const payments = new PaymentsService(store, clock, accounts, audit, config);
  return {
    store,
    accounts,
    payments,
    auditLines,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}
