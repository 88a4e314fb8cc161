import type { HttpException } from '@nestjs/common';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { ALICE_DPOP, ALICE_MTLS, BOB_DPOP, PUBLIC_URL, services } from './support/fixtures.js';

async function httpError(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    await promise;
  } catch (error) {
    const exception = error as HttpException;
    return { status: exception.getStatus(), body: exception.getResponse() };
  }
  throw new Error('expected an HTTP exception');
}

describe('AccountsService: ownership and consent (RS-GEN-04)', () => {
  it('lists the accounts the subject owns and shared with the client', async () => {
    const { accounts } = services();
    const alice = await accounts.listAccounts(ALICE_DPOP);
    const aliceViaMtls = await accounts.listAccounts(ALICE_MTLS);
    const bob = await accounts.listAccounts(BOB_DPOP);
    expect(alice.map((a) => a.accountId)).toEqual([
      DEMO_ACCOUNTS.aliceCurrent,
      DEMO_ACCOUNTS.aliceSavings,
      DEMO_ACCOUNTS.aliceTravel,
    ]);
    expect(aliceViaMtls.map((a) => a.accountId)).toEqual([
      DEMO_ACCOUNTS.aliceCurrent,
      DEMO_ACCOUNTS.aliceSavings,
    ]);
    expect(bob.every((a) => a.name === 'Bob Example')).toBe(true);
  });

  it('lists nothing for a client the user gave no consent to', async () => {
    const { accounts } = services();
    expect(await accounts.listAccounts({ subject: 'alice', clientId: 'other-client' })).toEqual([]);
  });

  it.each([
    ['another user', BOB_DPOP, DEMO_ACCOUNTS.aliceCurrent, 'not_owner'],
    ['a client without consent for it', ALICE_MTLS, DEMO_ACCOUNTS.aliceTravel, 'not_consented'],
    ['nobody (unknown id)', ALICE_DPOP, 'acc-00000000', 'not_found'],
  ])('answers 404 for an account of %s, and audits why', async (_, caller, accountId, reason) => {
    const { accounts, auditLines } = services();
    for (const call of [
      accounts.getAccount(caller, accountId),
      accounts.getBalances(caller, accountId),
      accounts.listTransactions(caller, accountId, {}),
    ]) {
      expect(await httpError(call)).toEqual({
        status: 404,
        body: { error: 'not_found', error_description: 'No such account' },
      });
    }
    expect(auditLines).toHaveLength(3);
    expect(auditLines[0]).toMatchObject({
      audit: 'resource',
      outcome: 'deny',
      resource: 'account',
      resourceId: accountId,
      reason,
      subject: caller.subject,
      clientId: caller.clientId,
    });
  });

  it('reports booked and available balances in the account currency', async () => {
    const { accounts } = services();
    const balances = await accounts.getBalances(ALICE_DPOP, DEMO_ACCOUNTS.aliceTravel);
    expect(balances.data.map((b) => [b.type, b.amount.currency])).toEqual([
      ['InterimBooked', 'EUR'],
      ['InterimAvailable', 'EUR'],
    ]);
    expect(balances.data[0]?.amount.amount).toMatch(/^\d+\.\d{2}$/);
  });
});

describe('AccountsService: transactions (paging, date range)', () => {
  const account = DEMO_ACCOUNTS.aliceCurrent;

  it('pages newest first with meta and absolute links', async () => {
    const { accounts } = services();
    const first = await accounts.listTransactions(ALICE_DPOP, account, { pageSize: 10 });
    const second = await accounts.listTransactions(ALICE_DPOP, account, { page: 2, pageSize: 10 });
    expect(first.data).toHaveLength(10);
    expect(first.meta.totalPages).toBe(Math.ceil(first.meta.totalItems / 10));
    expect(second.data[0]!.bookingDateTime <= first.data[9]!.bookingDateTime).toBe(true);
    expect(new Set([...first.data, ...second.data].map((t) => t.transactionId)).size).toBe(20);
    expect(first.links).toEqual({
      self: `${PUBLIC_URL}/accounts/${account}/transactions?page=1&pageSize=10`,
      first: `${PUBLIC_URL}/accounts/${account}/transactions?page=1&pageSize=10`,
      last: `${PUBLIC_URL}/accounts/${account}/transactions?page=${first.meta.totalPages}&pageSize=10`,
      next: `${PUBLIC_URL}/accounts/${account}/transactions?page=2&pageSize=10`,
    });
    expect(second.links.prev).toBe(first.links.self);
  });

  it('defaults to page 1 of 25 and answers an empty page past the end', async () => {
    const { accounts } = services();
    const first = await accounts.listTransactions(ALICE_DPOP, account, {});
    expect(first.meta).toMatchObject({ page: 1, pageSize: 25 });
    const beyond = await accounts.listTransactions(ALICE_DPOP, account, { page: 999 });
    expect(beyond.data).toEqual([]);
    expect(beyond.links.next).toBeUndefined();
  });

  it('includes the whole day of a date-only `to` and starts `from` at midnight UTC', async () => {
    const { accounts } = services();
    const march = await accounts.listTransactions(ALICE_DPOP, account, {
      from: '2025-03-01',
      to: '2025-03-31',
      pageSize: 100,
    });
    const days = march.data.map((t) => t.bookingDateTime.slice(0, 10));
    expect(days.every((d) => d >= '2025-03-01' && d <= '2025-03-31')).toBe(true);
    expect(days).toContain('2025-03-01'); // rent
    expect(march.links.self).toContain('from=2025-03-01&to=2025-03-31');
    const all = await accounts.listTransactions(ALICE_DPOP, account, { pageSize: 100, page: 1 });
    const inMarch = (
      await Promise.all(
        Array.from({ length: all.meta.totalPages }, (_, i) =>
          accounts.listTransactions(ALICE_DPOP, account, { pageSize: 100, page: i + 1 }),
        ),
      )
    )
      .flatMap((p) => p.data)
      .filter((t) => t.bookingDateTime.startsWith('2025-03'));
    expect(march.meta.totalItems).toBe(inMarch.length);
  });

  it('treats a date-time `to` as inclusive', async () => {
    const { accounts } = services();
    const [latest] = (await accounts.listTransactions(ALICE_DPOP, account, { pageSize: 1 })).data;
    const upTo = await accounts.listTransactions(ALICE_DPOP, account, {
      to: latest!.bookingDateTime,
      pageSize: 1,
    });
    expect(upTo.data[0]?.transactionId).toBe(latest!.transactionId);
  });

  it.each([
    [{ from: '2025-02-30' }, 'from'],
    [{ to: '2025-13-01' }, 'to'],
    [{ from: '2025-04-01', to: '2025-03-01' }, 'to'],
  ])('refuses the range %j with 400 and a field error', async (query, field) => {
    const { accounts } = services();
    const error = await httpError(accounts.listTransactions(ALICE_DPOP, account, query));
    expect(error.status).toBe(400);
    expect(error.body).toMatchObject({ error: 'invalid_request', errors: [{ field }] });
  });
});
