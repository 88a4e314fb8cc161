/** Request and response shapes of the domestic payment endpoints (OpenAPI schemas included). */
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIBAN,
  IsISO4217CurrencyCode,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { AmountView } from '../accounts/accounts.dto.js';

/** Text a person reads: no control characters (U+0000 cannot even be stored). */
const PRINTABLE = /^[^\p{Cc}]*$/u;

/** Positive, at most 13 integer digits and exactly two fraction digits. */
const AMOUNT = /^(?!0+\.00$)\d{1,13}\.\d{2}$/;

export class InstructedAmountDto {
  @ApiProperty({ example: '25.00', pattern: AMOUNT.source })
  @IsString()
  @Matches(AMOUNT, { message: 'amount must be a positive decimal with two fraction digits' })
  amount!: string;

  @ApiProperty({ example: 'GBP', description: 'ISO 4217; must be the debtor account currency' })
  @IsISO4217CurrencyCode()
  currency!: string;
}

export class CreditorAccountDto {
  @ApiProperty({ example: 'Bob Example', minLength: 1, maxLength: 70 })
  @IsString()
  @Length(1, 70)
  @Matches(PRINTABLE, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ example: 'GB43FAPG20051563918204' })
  @IsIBAN()
  iban!: string;
}

export class CreateDomesticPaymentDto {
  @ApiProperty({ example: 'acc-5f1c2d8e', description: 'One of the accounts the user shared' })
  @IsString()
  @Length(1, 64)
  debtorAccountId!: string;

  @ApiProperty({ type: InstructedAmountDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => InstructedAmountDto)
  instructedAmount!: InstructedAmountDto;

  @ApiProperty({ type: CreditorAccountDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => CreditorAccountDto)
  creditorAccount!: CreditorAccountDto;

  @ApiProperty({ example: 'Dinner', minLength: 1, maxLength: 35 })
  @IsString()
  @Length(1, 35)
  @Matches(PRINTABLE, { message: 'reference must not contain control characters' })
  reference!: string;
}

export class CreditorAccountView {
  @ApiProperty() name!: string;
  @ApiProperty() iban!: string;
}

/**
 * The verified HTTP message signature (RFC 9421) of the request that created the payment:
 * evidence of who asked for it, with the client's registered key.
 */
export class RequestSignatureView {
  @ApiProperty({ example: 'sig1' }) label!: string;
  @ApiProperty({ description: "The client's key (`keyid`), from its registered jwks" })
  keyId!: string;

  @ApiProperty({ description: '`created`, seconds since the epoch', example: 1767225600 })
  created!: number;

  @ApiProperty({
    type: [String],
    example: ['"@method"', '"@target-uri"', '"authorization"', '"dpop"', '"content-digest"'],
  })
  components!: string[];

  @ApiProperty({ description: 'The `Signature-Input` member, without the label' })
  signatureInput!: string;

  @ApiProperty({ description: 'The signature bytes, base64' })
  signature!: string;
}

export class PaymentView {
  @ApiProperty({ example: 'pmt-1d3c0f7e-7f0a-4a53-9d55-3b1f5f3e9a10' })
  paymentId!: string;

  @ApiProperty({ enum: ['AcceptedSettlementInProcess', 'AcceptedSettlementCompleted'] })
  status!: string;

  @ApiProperty() creationDateTime!: string;
  @ApiProperty() statusUpdateDateTime!: string;
  @ApiProperty() debtorAccountId!: string;
  @ApiProperty({ type: AmountView }) instructedAmount!: AmountView;
  @ApiProperty({ type: CreditorAccountView }) creditorAccount!: CreditorAccountView;
  @ApiProperty() reference!: string;
  @ApiProperty({
    required: false,
    example: 'cns-3q2x7JtWq4m0Zc1y',
    description: 'The consent (authorization details element) the payment was made under',
  })
  consentId?: string;

  @ApiProperty({
    required: false,
    type: RequestSignatureView,
    description: 'The signature of the request that created the payment (evidence for disputes)',
  })
  requestSignature?: RequestSignatureView;
}

export class PaymentLinks {
  @ApiProperty() self!: string;
}

export class PaymentResponse {
  @ApiProperty({ type: PaymentView })
  data!: PaymentView;

  @ApiProperty({ type: PaymentLinks })
  links!: PaymentLinks;
}
