import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { FapiPrincipal, RequireScopes, type Principal } from '@fapi-guard/nestjs';
import { ApiFapiProtected } from '../common/api-docs.js';
import { ErrorResponse } from '../common/api-errors.js';
import { ConfiguredBinding } from '../security/configured-binding.decorator.js';
import { CreateDomesticPaymentDto, PaymentResponse } from './payments.dto.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { PaymentsService } from './payments.service.js';

/** The part of the Express response used here (it is a Node `ServerResponse`). */
interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/**
 * Payment initiation: needs scope `payments`; the sender constraint follows `PAYMENTS_BINDING`
 * (`any` by default, or DPoP only, or mTLS only).
 */
@ApiTags('payments')
@ApiFapiProtected('payments')
@RequireScopes('payments')
@ConfiguredBinding('payments')
@Controller('domestic-payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a domestic payment (idempotent per x-idempotency-key)',
    description:
      'Repeating the request with the same key and body returns the original payment ' +
      '(with `Idempotent-Replayed: true`), never a second one. The same key with another body ' +
      'is refused with 422 `idempotency_key_reused`. Keys are kept 24 hours, per client and user.',
  })
  @ApiHeader({ name: 'x-idempotency-key', required: true, description: '1-40 visible ASCII chars' })
  @ApiCreatedResponse({ type: PaymentResponse })
  @ApiUnprocessableEntityResponse({
    description:
      '`unknown_debtor_account`, `currency_mismatch`, `insufficient_funds` or `idempotency_key_reused`',
    type: ErrorResponse,
  })
  async create(
    @FapiPrincipal() principal: Principal,
    @IdempotencyKey() idempotencyKey: string,
    @Body() body: CreateDomesticPaymentDto,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<PaymentResponse> {
    const created = await this.payments.create(
      {
        subject: principal.subject,
        clientId: principal.clientId,
        interactionId: principal.interactionId,
      },
      body,
      idempotencyKey,
    );
    response.setHeader('location', created.response.links.self);
    if (created.replayed) response.setHeader('idempotent-replayed', 'true');
    return created.response;
  }

  @Get(':paymentId')
  @ApiOperation({ summary: 'Status of a payment made by this client for this user' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiNotFoundResponse({
    description: 'No such payment for this user and client',
    type: ErrorResponse,
  })
  get(
    @FapiPrincipal() principal: Principal,
    @Param('paymentId') paymentId: string,
  ): Promise<PaymentResponse> {
    return this.payments.get(
      {
        subject: principal.subject,
        clientId: principal.clientId,
        interactionId: principal.interactionId,
      },
      paymentId,
    );
  }
}
