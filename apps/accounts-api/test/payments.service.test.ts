import type { HttpException } from '@nestjs/common';
import type { CreateDomesticPaymentDto } from '../src/payments/payments.dto.js';
import { DEMO_ACCOUNTS } from '../src/store/demo-data.js';
import { ALICE_DPOP, ALICE_MTLS, BOB_DPOP, services } from './support/fixtures.js';

const BODY: CreateDomesticPaymentDto = {
  debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
  instructedAmount: { amount: '25.00', currency: 'GBP' },
  creditorAccount: { name: 'Bob Example', iban: 'GB39 FAPG 2005 1563 9182 04' },
  reference: 'Dinner',
};

async function httpError(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    await promise;
  } catch (error) {
    const exception = error as HttpException;
    return { status: exception.getStatus(), body: exception.getResponse() };
  }
  throw new Error('expected an HTTP exception');
}

describe('PaymentsService', () => {
  it('creates a payment in settlement and debits the available balance', async () => {
    const { accounts, payments } = services();
    const before = await accounts.getBalances(ALICE_DPOP, DEMO_ACCOUNTS.aliceCurrent);
    const created = await payments.create(ALICE_DPOP, BODY, 'key-1');
    expect(created.replayed).toBe(false);
    expect(created.response.data).toMatchObject({
      status: 'AcceptedSettlementInProcess',
      debtorAccountId: DEMO_ACCOUNTS.aliceCurrent,
      instructedAmount: { amount: '25.00', currency: 'GBP' },
      creditorAccount: { name: 'Bob Example', iban: 'GB39FAPG20051563918204' },
    });
    const after = await accounts.getBalances(ALICE_DPOP, DEMO_ACCOUNTS.aliceCurrent);
    const available = (b: typeof before) => Number(b.data[1]!.amount.amount);
    expect(available(before) - available(after)).toBeCloseTo(25, 2);
  });

  it('returns the original payment for a repeated idempotency key, never a second one', async () => {
    const { accounts, payments } = services();
    const first = await payments.create(ALICE_DPOP, BODY, 'key-1');
    const again = await payments.create(ALICE_DPOP, BODY, 'key-1');
    expect(again.replayed).toBe(true);
    expect(again.response).toEqual(first.response);
    const pending = (
      await accounts.listTransactions(ALICE_DPOP, DEMO_ACCOUNTS.aliceCurrent, { pageSize: 5 })
    ).data.filter((t) => t.paymentId !== undefined);
    expect(pending).toEqual([
      expect.objectContaining({ paymentId: first.response.data.paymentId, status: 'Pending' }),
    ]);
  });

  it('refuses an idempotency key reused for a different payment (422)', async () => {
    const { payments } = services();
    await payments.create(ALICE_DPOP, BODY, 'key-1');
    const error = await httpError(
      payments.create(
        ALICE_DPOP,
        { ...BODY, instructedAmount: { amount: '26.00', currency: 'GBP' } },
        'key-1',
      ),
    );
    expect(error).toMatchObject({ status: 422, body: { error: 'idempotency_key_reused' } });
  });

  it.each([
    ["another user's account", BOB_DPOP, DEMO_ACCOUNTS.aliceCurrent, 'unknown_debtor_account'],
    [
      'an account not shared with the client',
      ALICE_MTLS,
      DEMO_ACCOUNTS.aliceTravel,
      'unknown_debtor_account',
    ],
  ])('refuses to pay from %s', async (_, caller, debtorAccountId, code) => {
    const { payments } = services();
    const error = await httpError(payments.create(caller, { ...BODY, debtorAccountId }, 'k'));
    expect(error).toMatchObject({ status: 422, body: { error: code } });
  });

  it('refuses a currency other than the debtor account currency', async () => {
    const { payments } = services();
    const error = await httpError(
      payments.create(
        ALICE_DPOP,
        { ...BODY, instructedAmount: { amount: '1.00', currency: 'EUR' } },
        'k',
      ),
    );
    expect(error).toMatchObject({ status: 422, body: { error: 'currency_mismatch' } });
  });

  it('refuses a payment the account cannot cover', async () => {
    const { payments } = services();
    const error = await httpError(
      payments.create(
        ALICE_DPOP,
        { ...BODY, instructedAmount: { amount: '9999999.00', currency: 'GBP' } },
        'k',
      ),
    );
    expect(error).toMatchObject({ status: 422, body: { error: 'insufficient_funds' } });
  });

  it('reports completion once the settlement delay has passed', async () => {
    const { payments, advance } = services(5000);
    const { response } = await payments.create(ALICE_DPOP, BODY, 'key-1');
    advance(5000);
    const status = await payments.get(ALICE_DPOP, response.data.paymentId);
    expect(status.data.status).toBe('AcceptedSettlementCompleted');
    expect(Date.parse(status.data.statusUpdateDateTime)).toBe(
      Date.parse(response.data.creationDateTime) + 5000,
    );
  });

  it('shows a payment only to the user and client that made it', async () => {
    const { payments, auditLines } = services();
    const { response } = await payments.create(ALICE_DPOP, BODY, 'key-1');
    const id = response.data.paymentId;
    expect(await httpError(payments.get(BOB_DPOP, id))).toMatchObject({ status: 404 });
    expect(await httpError(payments.get(ALICE_MTLS, id))).toMatchObject({ status: 404 });
    expect(auditLines.map((l) => l.reason)).toEqual(['not_owner', 'other_client']);
  });
});
