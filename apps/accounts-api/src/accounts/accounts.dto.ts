/**
 * Response and query shapes of the account information endpoints (OpenAPI schemas included).
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';
import { isDateOrDateTime } from '../common/date-range.js';
import { MAX_PAGE_SIZE } from '../common/paging.js';

/** A real calendar date (YYYY-MM-DD, UTC) or a date-time with an offset. */
function IsDateOrDateTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isDateOrDateTime',
    validator: {
      validate: isDateOrDateTime,
      defaultMessage: (args) =>
        `${args?.property ?? 'value'} must be a date (YYYY-MM-DD) or a date-time with offset`,
    },
  });
}

export class AmountView {
  @ApiProperty({ example: '1250.00', description: 'Decimal, two fraction digits, no sign' })
  amount!: string;

  @ApiProperty({ example: 'GBP', description: 'ISO 4217' })
  currency!: string;
}

export class AccountView {
  @ApiProperty({ example: 'acc-5f1c2d8e' })
  accountId!: string;

  @ApiProperty({ example: 'GBP' })
  currency!: string;

  @ApiProperty({ enum: ['CurrentAccount', 'Savings', 'Travel'] })
  accountSubType!: string;

  @ApiProperty({ example: 'Everyday' })
  nickname!: string;

  @ApiProperty({ example: 'Alice Example', description: 'Account holder' })
  name!: string;

  @ApiProperty({ example: 'GB33FAPG40478470872490' })
  iban!: string;

  @ApiProperty({ example: '2025-01-01', description: 'Date the demo history starts' })
  openingDate!: string;
}

export class AccountListResponse {
  @ApiProperty({ type: [AccountView] })
  data!: AccountView[];
}

export class AccountResponse {
  @ApiProperty({ type: AccountView })
  data!: AccountView;
}

export class BalanceView {
  @ApiProperty({
    enum: ['InterimBooked', 'InterimAvailable'],
    description: 'Booked: settled transactions only. Available: pending payments deducted too.',
  })
  type!: string;

  @ApiProperty({ type: AmountView })
  amount!: AmountView;

  @ApiProperty({ enum: ['Credit', 'Debit'] })
  creditDebitIndicator!: string;

  @ApiProperty({ example: '2025-06-30T12:00:00.000Z' })
  dateTime!: string;
}

export class BalancesResponse {
  @ApiProperty()
  accountId!: string;

  @ApiProperty({ type: [BalanceView] })
  data!: BalanceView[];
}

export class TransactionView {
  @ApiProperty({ example: 'txn-2d8e-0042' })
  transactionId!: string;

  @ApiProperty({ example: '2025-05-25T06:12:45.000Z' })
  bookingDateTime!: string;

  @ApiProperty({ enum: ['Booked', 'Pending'] })
  status!: string;

  @ApiProperty({ enum: ['Credit', 'Debit'] })
  creditDebitIndicator!: string;

  @ApiProperty({ type: AmountView })
  amount!: AmountView;

  @ApiProperty({ example: 'Card payment' })
  description!: string;

  @ApiPropertyOptional({ example: 'Tesco' })
  merchantName?: string;

  @ApiPropertyOptional({ description: 'Payment made through this API' })
  paymentId?: string;
}

export class PageMetaView {
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() totalItems!: number;
  @ApiProperty() totalPages!: number;
}

export class PageLinksView {
  @ApiProperty() self!: string;
  @ApiProperty() first!: string;
  @ApiProperty() last!: string;
  @ApiPropertyOptional() prev?: string;
  @ApiPropertyOptional() next?: string;
}

export class TransactionsResponse {
  @ApiProperty()
  accountId!: string;

  @ApiProperty({ type: [TransactionView], description: 'Newest first' })
  data!: TransactionView[];

  @ApiProperty({ type: PageMetaView })
  meta!: PageMetaView;

  @ApiProperty({ type: PageLinksView })
  links!: PageLinksView;
}

export class TransactionsQuery {
  @ApiPropertyOptional({
    description: 'Earliest booking date (inclusive): YYYY-MM-DD (UTC) or a date-time with offset',
    example: '2025-03-01',
  })
  @IsOptional()
  @IsDateOrDateTime()
  from?: string;

  @ApiPropertyOptional({
    description: 'Latest booking date (inclusive: a date covers the whole day)',
    example: '2025-03-31',
  })
  @IsOptional()
  @IsDateOrDateTime()
  to?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 25 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize?: number;
}
