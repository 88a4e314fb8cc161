import { DEMO_ACCOUNTS, demoData } from '../src/store/demo-data.js';
import { IDEMPOTENCY_KEY_TTL_MS, MemoryBankingStore } from '../src/store/memory-banking.store.js';
import { ANCHOR, paymentRequest } from './support/fixtures.js';

const NOW = ANCHOR.getTime();

describe('MemoryBankingStore', () => {
  let store: MemoryBankingStore;
  beforeEach(() => {
    store = new MemoryBankingStore(demoData(ANCHOR));
  });

  it('lists only the accounts of the owner', async () => {
    const accounts = await store.listAccounts('bob');
    expect(accounts.map((a) => a.accountId)).toEqual([
      DEMO_ACCOUNTS.bobCurrent,
      DEMO_ACCOUNTS.bobSavings,
    ]);
  });

  it('returns transactions newest first within [from, to)', async () => {
    const from = Date.parse('2025-03-01T00:00:00Z');
    const to = Date.parse('2025-04-01T00:00:00Z');
    const page = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
      from,
      to,
      offset: 0,
      limit: 1000,
    });
    expect(page.total).toBe(page.items.length);
    expect(page.total).toBeGreaterThan(10);
    const times = page.items.map((t) => Date.parse(t.bookingDateTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(from);
    expect(Math.max(...times)).toBeLessThan(to);
  });

  it('pages with offset and limit over a stable order', async () => {
    const all = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, { offset: 0, limit: 1e6 });
    const second = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
      offset: 10,
      limit: 10,
    });
    expect(second.total).toBe(all.total);
    expect(second.items).toEqual(all.items.slice(10, 20));
  });

  it('creates one payment per idempotency key and replays it for the same fingerprint', async () => {
    const created = await store.createPayment(paymentRequest());
    const replayed = await store.createPayment(paymentRequest({ now: NOW + 1000 }));
    expect(created.kind).toBe('created');
    expect(replayed).toEqual({
      kind: 'replayed',
      payment: created.kind === 'created' ? created.payment : undefined,
    });
    const debits = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
      from: NOW,
      offset: 0,
      limit: 10,
    });
    expect(debits.items).toHaveLength(1);
  });

  it('never creates two payments for concurrent requests with one key', async () => {
    const outcomes = await Promise.all([
      store.createPayment(paymentRequest()),
      store.createPayment(paymentRequest()),
      store.createPayment(paymentRequest()),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['created', 'replayed', 'replayed']);
  });

  it('refuses a key reused with another fingerprint', async () => {
    await store.createPayment(paymentRequest());
    const outcome = await store.createPayment(
      paymentRequest({ fingerprint: 'fp-2', amountMinor: 9900 }),
    );
    expect(outcome).toEqual({ kind: 'idempotency-key-reused' });
  });

  it('scopes keys to client and subject', async () => {
    const first = await store.createPayment(paymentRequest());
    const other = await store.createPayment(
      paymentRequest({ subject: 'bob', debtorAccountId: DEMO_ACCOUNTS.bobCurrent }),
    );
    const otherClient = await store.createPayment(paymentRequest({ clientId: 'mtls-client' }));
    expect(first.kind).toBe('created');
    expect(other.kind).toBe('created');
    expect(otherClient.kind).toBe('created');
  });

  it('forgets keys after 24 hours', async () => {
    await store.createPayment(paymentRequest());
    const later = await store.createPayment(paymentRequest({ now: NOW + IDEMPOTENCY_KEY_TTL_MS }));
    expect(later.kind).toBe('created');
  });

  it('refuses a payment above the available balance, counting pending debits', async () => {
    const { availableMinor } = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW);
    const first = await store.createPayment(paymentRequest({ amountMinor: availableMinor - 100 }));
    const second = await store.createPayment(
      paymentRequest({ idempotencyKey: 'key-2', fingerprint: 'fp-2', amountMinor: 101 }),
    );
    expect(first.kind).toBe('created');
    expect(second).toEqual({ kind: 'insufficient-funds' });
  });

  it('books a payment debit once its settlement time has passed', async () => {
    const before = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW);
    await store.createPayment(paymentRequest());
    const pending = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW + 4999);
    const settled = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW + 5000);
    expect(pending).toEqual({
      bookedMinor: before.bookedMinor,
      availableMinor: before.availableMinor - 2500,
    });
    expect(settled).toEqual({
      bookedMinor: before.bookedMinor - 2500,
      availableMinor: before.availableMinor - 2500,
    });
  });
});
