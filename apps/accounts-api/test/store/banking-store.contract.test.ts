/**
 * The `BankingStore` contract, run on the three stores: in memory, SQL on embedded PGlite, and
 * SQL on PostgreSQL (a fresh database for this file, dropped afterwards). The SQL stores must
 * answer exactly as the memory store does for the same demo data; payments must stay
 * idempotent and within funds when many requests race (on PostgreSQL, over two connection
 * pools, as two API instances would).
 */
import type { BankingStore } from '../../src/store/banking.store.js';
import type { TransactionQuery } from '../../src/store/banking.model.js';
import { DEMO_ACCOUNTS, demoData } from '../../src/store/demo-data.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  MemoryBankingStore,
} from '../../src/store/memory-banking.store.js';
import { SqlBankingStore } from '../../src/store/sql-banking.store.js';
import { ANCHOR, paymentRequest } from '../support/fixtures.js';
import { reseed, testClient, type TestClient } from '../support/databases.js';

const NOW = ANCHOR.getTime();
const CONCURRENCY = 8;

/** A store under test; `stores` are as many "instances" as the engine can have. */
interface Harness {
  stores(): [BankingStore, BankingStore];
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function memoryHarness(): Promise<Harness> {
  let store = new MemoryBankingStore(demoData(ANCHOR));
  return {
    stores: () => [store, store],
    reset: async () => {
      store = new MemoryBankingStore(demoData(ANCHOR));
    },
    close: async () => undefined,
  };
}

async function sqlHarness(driver: 'pglite' | 'postgres'): Promise<Harness> {
  const client: TestClient = await testClient(driver);
  const first = new SqlBankingStore(client.db);
  const second = new SqlBankingStore(client.openAnother());
  return {
    stores: () => [first, second],
    reset: () => reseed(client.db, ANCHOR),
    close: () => client.close(),
  };
}

const STORES: Array<[string, () => Promise<Harness>]> = [
  ['MemoryBankingStore', memoryHarness],
  ['SqlBankingStore on PGlite', () => sqlHarness('pglite')],
  ['SqlBankingStore on PostgreSQL', () => sqlHarness('postgres')],
];

describe.each(STORES)('%s', (_name, open) => {
  let harness: Harness;
  let store: BankingStore;
  let other: BankingStore;
  /** What the memory store answers for the same data: the reference. */
  let reference: MemoryBankingStore;

  beforeAll(async () => {
    harness = await open();
  }, 60_000);
  afterAll(() => harness?.close());
  beforeEach(async () => {
    await harness.reset();
    [store, other] = harness.stores();
    reference = new MemoryBankingStore(demoData(ANCHOR));
  });

  /** Alternates the two instances. */
  const instance = (index: number) => (index % 2 === 0 ? store : other);

  describe('reads', () => {
    it('lists only the accounts of the owner, in the seeded order, every field exact', async () => {
      const bob = await store.listAccounts('bob');
      expect(bob.map((a) => a.accountId)).toEqual([
        DEMO_ACCOUNTS.bobCurrent,
        DEMO_ACCOUNTS.bobSavings,
      ]);
      expect(await store.listAccounts('alice')).toEqual(await reference.listAccounts('alice'));
      expect(await store.listAccounts('mallory')).toEqual([]);
    });

    it('finds an account by id, and nothing for an unknown or unstorable id', async () => {
      expect(await store.findAccount(DEMO_ACCOUNTS.aliceTravel)).toEqual(
        await reference.findAccount(DEMO_ACCOUNTS.aliceTravel),
      );
      expect(await store.findAccount('acc-00000000')).toBeUndefined();
      expect(await store.findAccount('acc-\u0000')).toBeUndefined();
    });

    it('finds the consent of a user for a client, and none for another client', async () => {
      expect(await store.findConsent('alice', 'mtls-client')).toEqual({
        subject: 'alice',
        clientId: 'mtls-client',
        accountIds: [DEMO_ACCOUNTS.aliceCurrent, DEMO_ACCOUNTS.aliceSavings],
      });
      expect(await store.findConsent('alice', 'other-client')).toBeUndefined();
      expect(await store.findConsent('\u0000', 'dpop-client')).toBeUndefined();
    });

    it("gives every playground-<id> client the consents stored under 'playground'", async () => {
      const clientId = 'playground-3a29116b-f7d6-4a66-bf49-28edb717c446';
      expect(await store.findConsent('bob', clientId)).toEqual({
        subject: 'bob',
        clientId,
        accountIds: [DEMO_ACCOUNTS.bobCurrent, DEMO_ACCOUNTS.bobSavings],
      });
      // Only the exact prefix: a look-alike client id finds nothing.
      expect(await store.findConsent('bob', 'playgroundx-1')).toBeUndefined();
      expect(await store.findConsent('bob', 'my-playground-1')).toBeUndefined();
    });

    it.each<[string, TransactionQuery]>([
      ['everything', { offset: 0, limit: 1_000_000 }],
      [
        'March, newest first',
        {
          from: Date.parse('2025-03-01T00:00:00Z'),
          to: Date.parse('2025-04-01T00:00:00Z'),
          offset: 0,
          limit: 1000,
        },
      ],
      ['the second page of 10', { offset: 10, limit: 10 }],
      ['a page past the end', { offset: 100_000, limit: 10 }],
      ['an empty range', { from: NOW, to: NOW, offset: 0, limit: 10 }],
    ])('answers transaction queries exactly as the memory store: %s', async (_, query) => {
      for (const accountId of Object.values(DEMO_ACCOUNTS)) {
        const page = await store.listTransactions(accountId, query);
        expect(page).toEqual(await reference.listTransactions(accountId, query));
      }
      const all = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, query);
      const times = all.items.map((t) => Date.parse(t.bookingDateTime));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('keeps [from, to) bounds: from inclusive, to exclusive', async () => {
      const [newest] = (
        await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
          offset: 0,
          limit: 1,
        })
      ).items;
      const at = Date.parse(newest!.bookingDateTime);
      const from = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
        from: at,
        offset: 0,
        limit: 10,
      });
      const to = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
        from: at - 1,
        to: at,
        offset: 0,
        limit: 10,
      });
      expect(from.items.map((t) => t.transactionId)).toContain(newest!.transactionId);
      expect(to.items).toEqual([]);
    });

    it('answers balances exactly as the memory store (minor units, no rounding)', async () => {
      for (const accountId of Object.values(DEMO_ACCOUNTS)) {
        expect(await store.balances(accountId, NOW)).toEqual(
          await reference.balances(accountId, NOW),
        );
      }
      expect(await store.balances('acc-00000000', NOW)).toEqual({
        bookedMinor: 0,
        availableMinor: 0,
      });
    });
  });

  describe('payments', () => {
    it('creates one payment per idempotency key and replays it for the same fingerprint', async () => {
      const created = await store.createPayment(paymentRequest());
      expect(created.kind).toBe('created');
      if (created.kind !== 'created') return;
      expect(created.payment).toMatchObject({
        subject: 'alice',
        clientId: 'dpop-client',
        amountMinor: 2500,
        createdAt: NOW,
        settlesAt: NOW + 5000,
        idempotencyKey: 'key-1',
      });
      expect(created.payment.paymentId).toMatch(/^pmt-[0-9a-f-]{36}$/);
      const replayed = await other.createPayment(paymentRequest({ now: NOW + 1000 }));
      expect(replayed).toEqual({ kind: 'replayed', payment: created.payment });
      expect(await other.findPayment(created.payment.paymentId)).toEqual(created.payment);

      const debits = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
        from: NOW,
        offset: 0,
        limit: 10,
      });
      expect(debits.items).toEqual([
        expect.objectContaining({
          accountId: DEMO_ACCOUNTS.aliceCurrent,
          bookingDateTime: ANCHOR.toISOString(),
          amountMinor: -2500,
          paymentId: created.payment.paymentId,
          settlesAt: NOW + 5000,
          description: 'Payment to Bob Example: Dinner',
        }),
      ]);
    });

    it('records the consent id with the payment, and none when there was none', async () => {
      const created = await store.createPayment(paymentRequest({ consentId: 'cns-abc' }));
      if (created.kind !== 'created') throw new Error(created.kind);
      expect(created.payment.consentId).toBe('cns-abc');
      expect((await other.findPayment(created.payment.paymentId))?.consentId).toBe('cns-abc');
      const plain = await store.createPayment(paymentRequest({ idempotencyKey: 'key-2' }));
      if (plain.kind !== 'created') throw new Error(plain.kind);
      expect(plain.payment).not.toHaveProperty('consentId');
      expect(await other.findPayment(plain.payment.paymentId)).not.toHaveProperty('consentId');
    });

    it('keeps the request signature with the payment (evidence), also when replayed, and none when unsigned', async () => {
      const requestSignature = {
        label: 'sig1',
        keyId: 'DpgdWlnG1htR4RPjONHwDFb6N6u8o1fzDVdz3GyTmvA',
        created: 1_767_225_600,
        components: ['"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'],
        signatureInput:
          '("@method" "@target-uri" "authorization" "dpop" "content-digest");created=1767225600;keyid="DpgdWlnG1htR4RPjONHwDFb6N6u8o1fzDVdz3GyTmvA";tag="fapi-2-request"',
        signature: 'MEUCIQDkZ0x5m1uJc3H2/1s5k1XnYw==',
      };
      const created = await store.createPayment(paymentRequest({ requestSignature }));
      if (created.kind !== 'created') throw new Error(created.kind);
      expect(created.payment.requestSignature).toEqual(requestSignature);
      expect((await other.findPayment(created.payment.paymentId))?.requestSignature).toEqual(
        requestSignature,
      );
      // The replay answers the original payment with the original request's evidence.
      const replayed = await other.createPayment(
        paymentRequest({ requestSignature: { ...requestSignature, signature: 'other' } }),
      );
      if (replayed.kind !== 'replayed') throw new Error(replayed.kind);
      expect(replayed.payment.requestSignature).toEqual(requestSignature);
      // What a caller does with its copy does not change the record.
      created.payment.requestSignature?.components.push('"x"');
      expect((await store.findPayment(created.payment.paymentId))?.requestSignature).toEqual(
        requestSignature,
      );
      const plain = await store.createPayment(paymentRequest({ idempotencyKey: 'key-2' }));
      if (plain.kind !== 'created') throw new Error(plain.kind);
      expect(await other.findPayment(plain.payment.paymentId)).not.toHaveProperty(
        'requestSignature',
      );
    });

    it(`creates exactly one payment for ${CONCURRENCY} concurrent requests with one key; all answers carry it`, async () => {
      const outcomes = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) => instance(i).createPayment(paymentRequest())),
      );
      expect(outcomes.map((o) => o.kind).sort()).toEqual([
        'created',
        ...Array<string>(CONCURRENCY - 1).fill('replayed'),
      ]);
      const payments = outcomes.map((o) =>
        o.kind === 'created' || o.kind === 'replayed' ? o.payment : undefined,
      );
      expect(new Set(payments.map((p) => p?.paymentId)).size).toBe(1);
      for (const payment of payments) expect(payment).toEqual(payments[0]);
      const debits = await store.listTransactions(DEMO_ACCOUNTS.aliceCurrent, {
        from: NOW,
        offset: 0,
        limit: 100,
      });
      expect(debits.total).toBe(1);
    });

    it('refuses a key reused with another fingerprint, also when both race', async () => {
      await store.createPayment(paymentRequest());
      const outcome = await other.createPayment(
        paymentRequest({ fingerprint: 'fp-2', amountMinor: 9900 }),
      );
      expect(outcome).toEqual({ kind: 'idempotency-key-reused' });

      const racing = await Promise.all([
        store.createPayment(paymentRequest({ idempotencyKey: 'key-2', fingerprint: 'fp-a' })),
        other.createPayment(paymentRequest({ idempotencyKey: 'key-2', fingerprint: 'fp-b' })),
      ]);
      expect(racing.map((o) => o.kind).sort()).toEqual(['created', 'idempotency-key-reused']);
    });

    it('scopes keys to client and subject', async () => {
      const outcomes = [
        await store.createPayment(paymentRequest()),
        await store.createPayment(
          paymentRequest({ subject: 'bob', debtorAccountId: DEMO_ACCOUNTS.bobCurrent }),
        ),
        await store.createPayment(paymentRequest({ clientId: 'mtls-client' })),
      ];
      expect(outcomes.map((o) => o.kind)).toEqual(['created', 'created', 'created']);
    });

    it('forgets keys after 24 hours', async () => {
      await store.createPayment(paymentRequest());
      const later = await other.createPayment(
        paymentRequest({ now: NOW + IDEMPOTENCY_KEY_TTL_MS }),
      );
      expect(later.kind).toBe('created');
      const sooner = await store.createPayment(
        paymentRequest({ now: NOW + IDEMPOTENCY_KEY_TTL_MS - 1 }),
      );
      expect(sooner.kind).toBe('replayed');
    });

    it('refuses a payment above the available balance, counting pending debits', async () => {
      const { availableMinor } = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW);
      const first = await store.createPayment(
        paymentRequest({ amountMinor: availableMinor - 100 }),
      );
      const second = await other.createPayment(
        paymentRequest({ idempotencyKey: 'key-2', fingerprint: 'fp-2', amountMinor: 101 }),
      );
      expect(first.kind).toBe('created');
      expect(second).toEqual({ kind: 'insufficient-funds' });
      expect(await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW)).toMatchObject({
        availableMinor: 100,
      });
    });

    it('does not keep the key of a refused payment: the same key may then pay a smaller amount', async () => {
      const { availableMinor } = await store.balances(DEMO_ACCOUNTS.aliceSavings, NOW);
      const refused = await store.createPayment(
        paymentRequest({
          debtorAccountId: DEMO_ACCOUNTS.aliceSavings,
          amountMinor: availableMinor + 1,
        }),
      );
      expect(refused).toEqual({ kind: 'insufficient-funds' });
      const retried = await other.createPayment(
        paymentRequest({ debtorAccountId: DEMO_ACCOUNTS.aliceSavings, fingerprint: 'fp-smaller' }),
      );
      expect(retried.kind).toBe('created');
    });

    it(`never overdraws: ${CONCURRENCY} concurrent payments of a third of the balance, two succeed`, async () => {
      const { availableMinor } = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW);
      const amountMinor = Math.floor(availableMinor / 3) + 1;
      const outcomes = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) =>
          instance(i).createPayment(
            paymentRequest({ idempotencyKey: `key-${i}`, fingerprint: `fp-${i}`, amountMinor }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(2);
      expect(outcomes.filter((o) => o.kind === 'insufficient-funds')).toHaveLength(CONCURRENCY - 2);
      const after = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW);
      expect(after.availableMinor).toBe(availableMinor - 2 * amountMinor);
      expect(after.availableMinor).toBeGreaterThanOrEqual(0);
    });

    it('books a payment debit once its settlement time has passed', async () => {
      const before = await store.balances(DEMO_ACCOUNTS.aliceCurrent, NOW);
      await store.createPayment(paymentRequest());
      expect(await other.balances(DEMO_ACCOUNTS.aliceCurrent, NOW + 4999)).toEqual({
        bookedMinor: before.bookedMinor,
        availableMinor: before.availableMinor - 2500,
      });
      expect(await other.balances(DEMO_ACCOUNTS.aliceCurrent, NOW + 5000)).toEqual({
        bookedMinor: before.bookedMinor - 2500,
        availableMinor: before.availableMinor - 2500,
      });
    });

    it('keeps amounts exact up to the largest the API accepts (13 integer digits)', async () => {
      const refused = await store.createPayment(
        paymentRequest({ amountMinor: 999_999_999_999_999 }),
      );
      expect(refused).toEqual({ kind: 'insufficient-funds' });
      const created = await store.createPayment(paymentRequest({ amountMinor: 1 }));
      expect(created.kind === 'created' && created.payment.amountMinor).toBe(1);
    });

    it('finds no payment for an unknown or unstorable id', async () => {
      expect(await store.findPayment('pmt-unknown')).toBeUndefined();
      expect(await store.findPayment('pmt-\u0000')).toBeUndefined();
    });
  });
});
