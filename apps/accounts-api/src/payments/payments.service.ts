import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AccountsService, type Caller } from '../accounts/accounts.service.js';
import { notFound, unprocessable } from '../common/api-errors.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { formatMinor, parseMinor } from '../common/money.js';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';
import { AuditLog } from '../shared/audit-log.service.js';
import type { Payment, RequestSignatureRecord } from '../store/banking.model.js';
import { BANKING_STORE, type BankingStore } from '../store/banking.store.js';
import type { CreateDomesticPaymentDto, PaymentResponse } from './payments.dto.js';

export interface CreatedPayment {
  response: PaymentResponse;
  /** True when the idempotency key was seen before: this is the original payment. */
  replayed: boolean;
}

/**
 * Domestic payments. Creation is idempotent per (client, user, `x-idempotency-key`): the same
 * key with the same body returns the original payment, never a second one; the same key with
 * another body is refused (422, draft-ietf-httpapi-idempotency-key-header §2.7). The debtor
 * account must be visible to the caller exactly as for account reads.
 */
@Injectable()
export class PaymentsService {
  constructor(
    @Inject(BANKING_STORE) private readonly store: BankingStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly accounts: AccountsService,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG)
    private readonly config: Pick<ResolvedAppConfig, 'publicUrl' | 'settlementDelayMs'>,
  ) {}

  async create(
    caller: Caller,
    body: CreateDomesticPaymentDto,
    idempotencyKey: string,
    consentId?: string,
    requestSignature?: RequestSignatureRecord,
  ): Promise<CreatedPayment> {
    const account = await this.accounts.visibleAccount(caller, body.debtorAccountId);
    if (!account) {
      throw unprocessable('unknown_debtor_account', 'The debtor account is not available');
    }
    if (account.currency !== body.instructedAmount.currency) {
      throw unprocessable(
        'currency_mismatch',
        `The debtor account holds ${account.currency}, not ${body.instructedAmount.currency}`,
      );
    }
    const amountMinor = parseMinor(body.instructedAmount.amount);
    const creditorAccount = {
      name: body.creditorAccount.name,
      iban: body.creditorAccount.iban.replace(/\s+/g, '').toUpperCase(),
    };
    const outcome = await this.store.createPayment({
      subject: caller.subject,
      clientId: caller.clientId,
      debtorAccountId: account.accountId,
      amountMinor,
      currency: account.currency,
      creditorAccount,
      reference: body.reference,
      idempotencyKey,
      ...(consentId !== undefined ? { consentId } : {}),
      ...(requestSignature !== undefined ? { requestSignature } : {}),
      fingerprint: fingerprint({
        debtorAccountId: account.accountId,
        amountMinor,
        currency: account.currency,
        creditorAccount,
        reference: body.reference,
      }),
      now: this.clock(),
      settlementDelayMs: this.config.settlementDelayMs,
    });
    switch (outcome.kind) {
      case 'created':
      case 'replayed':
        return { response: this.view(outcome.payment), replayed: outcome.kind === 'replayed' };
      case 'idempotency-key-reused':
        throw unprocessable(
          'idempotency_key_reused',
          'This x-idempotency-key was used for a different payment',
        );
      case 'insufficient-funds':
        throw unprocessable('insufficient_funds', 'The debtor account cannot cover the amount');
    }
  }

  /** A payment of this user made by this client; anything else is a 404. */
  async get(caller: Caller, paymentId: string): Promise<PaymentResponse> {
    const payment = await this.store.findPayment(paymentId);
    if (payment && payment.subject === caller.subject && payment.clientId === caller.clientId) {
      return this.view(payment);
    }
    this.audit.resource({
      outcome: 'deny',
      resource: 'payment',
      resourceId: paymentId,
      reason: !payment
        ? 'not_found'
        : payment.subject !== caller.subject
          ? 'not_owner'
          : 'other_client',
      subject: caller.subject,
      clientId: caller.clientId,
      ...(caller.interactionId ? { interactionId: caller.interactionId } : {}),
    });
    throw notFound('No such payment');
  }

  private view(payment: Payment): PaymentResponse {
    const settled = this.clock() >= payment.settlesAt;
    return {
      data: {
        paymentId: payment.paymentId,
        status: settled ? 'AcceptedSettlementCompleted' : 'AcceptedSettlementInProcess',
        creationDateTime: new Date(payment.createdAt).toISOString(),
        statusUpdateDateTime: new Date(
          settled ? payment.settlesAt : payment.createdAt,
        ).toISOString(),
        debtorAccountId: payment.debtorAccountId,
        instructedAmount: { amount: formatMinor(payment.amountMinor), currency: payment.currency },
        creditorAccount: { ...payment.creditorAccount },
        reference: payment.reference,
        ...(payment.consentId !== undefined ? { consentId: payment.consentId } : {}),
        ...(payment.requestSignature !== undefined
          ? {
              requestSignature: {
                ...payment.requestSignature,
                components: [...payment.requestSignature.components],
              },
            }
          : {}),
      },
      links: { self: `${this.config.publicUrl}/domestic-payments/${payment.paymentId}` },
    };
  }
}

/** SHA-256 of the canonical request: what "the same payment" means for an idempotency key. */
function fingerprint(request: object): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url');
}
