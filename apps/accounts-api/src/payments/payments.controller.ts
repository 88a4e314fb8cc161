import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import {
  FapiPrincipal,
  RequireScopes,
  SignedRequest,
  SignedResponse,
  type Principal,
} from '@fapi-guard/nestjs';
import { ApiFapiProtected } from '../common/api-docs.js';
import { ErrorResponse } from '../common/api-errors.js';
import { parseMinor } from '../common/money.js';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';
import { ConfiguredBinding } from '../security/configured-binding.decorator.js';
import { ConsentGate, type RouteRequest } from '../security/consent-gate.js';
import { PAYMENT_INITIATION, STRONG_ACR, consentIdOf, coversPayment } from '../security/consent.js';
import { CreateDomesticPaymentDto, PaymentResponse } from './payments.dto.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { PaymentsService } from './payments.service.js';
import type { RequestSignatureRecord } from '../store/banking.model.js';

/** The part of the Express response used here (it is a Node `ServerResponse`). */
interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/**
 * Payment initiation: needs scope `payments`; the sender constraint follows `PAYMENTS_BINDING`
 * (`any` by default, or DPoP only, or mTLS only). Creating one also needs a
 * `payment_initiation` authorization details element covering the body (same currency and
 * creditor, amount not above the consented one: else 403 `insufficient_authorization_details`)
 * and, above `STRONG_AUTH_THRESHOLD`, the strong `acr` (else 401
 * `insufficient_user_authentication` with `acr_values`, RFC 9470). The consent id of the
 * matched element is recorded with the payment.
 *
 * Non-repudiation (HTTP message signatures, RFC 9421): creating a payment needs a request
 * signed with a key registered for the requesting client (`@SignedRequest()`; else 401
 * `ERR_FAPI_SIGNATURE_*`), and the verified signature is kept with the payment as evidence
 * (`requestSignature`). Every answer of these routes that reached them is signed with the API's
 * key (`@SignedResponse()`, published at `/jwks`); the guard's own refusals are not.
 */
/** The verified request signature as the payment record keeps it. */
function evidenceOf(principal: Principal): RequestSignatureRecord | undefined {
  const signature = principal.signature;
  if (!signature) return undefined;
  const { label, keyId, created, components, signatureInput } = signature;
  return {
    label,
    keyId,
    created,
    components: [...components],
    signatureInput,
    signature: signature.signature,
  };
}

@ApiTags('payments')
@ApiFapiProtected('payments')
@RequireScopes('payments')
@ConfiguredBinding('payments')
@SignedResponse()
@Controller('domestic-payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly consent: ConsentGate,
    @Inject(APP_CONFIG)
    private readonly config: Pick<ResolvedAppConfig, 'strongAuthThresholdMinor'>,
  ) {}

  @Post()
  @SignedRequest()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a domestic payment (idempotent per x-idempotency-key)',
    description:
      'Repeating the request with the same key and body returns the original payment ' +
      '(with `Idempotent-Replayed: true`), never a second one. The same key with another body ' +
      'is refused with 422 `idempotency_key_reused`. Keys are kept 24 hours, per client and user.',
  })
  @ApiHeader({ name: 'x-idempotency-key', required: true, description: '1-40 visible ASCII chars' })
  @ApiHeader({
    name: 'signature-input',
    required: true,
    description:
      'RFC 9421: `tag="fapi-2-request"`, covering `@method`, `@target-uri`, `authorization`, ' +
      '`dpop` (DPoP tokens) and `content-digest`; `created` at most 60 s old; `keyid` a key ' +
      "registered for the token's client (else 401 `ERR_FAPI_SIGNATURE_*`)",
  })
  @ApiHeader({ name: 'signature', required: true, description: 'RFC 9421 signature' })
  @ApiHeader({
    name: 'content-digest',
    required: true,
    description: 'RFC 9530 digest (sha-256 or sha-512) of the exact body bytes',
  })
  @ApiCreatedResponse({ type: PaymentResponse })
  @ApiUnprocessableEntityResponse({
    description:
      '`unknown_debtor_account`, `currency_mismatch`, `insufficient_funds` or `idempotency_key_reused`',
    type: ErrorResponse,
  })
  async create(
    @Req() request: RouteRequest,
    @IdempotencyKey() idempotencyKey: string,
    @Body() body: CreateDomesticPaymentDto,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<PaymentResponse> {
    const strong = parseMinor(body.instructedAmount.amount) > this.config.strongAuthThresholdMinor;
    const principal = await this.consent.require(
      request,
      {
        authorizationDetails: { type: PAYMENT_INITIATION, match: coversPayment },
        ...(strong ? { acrValues: [STRONG_ACR] } : {}),
      },
      { body },
    );
    const created = await this.payments.create(
      {
        subject: principal.subject,
        clientId: principal.clientId,
        interactionId: principal.interactionId,
      },
      body,
      idempotencyKey,
      consentIdOf(principal.authorizationDetails[0]),
      evidenceOf(principal),
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
