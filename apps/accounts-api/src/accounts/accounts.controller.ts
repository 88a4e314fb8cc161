import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FapiPrincipal, RequireScopes, type Principal } from '@fapi-guard/nestjs';
import { ApiFapiProtected } from '../common/api-docs.js';
import { ErrorResponse } from '../common/api-errors.js';
import {
  AccountListResponse,
  AccountResponse,
  BalancesResponse,
  TransactionsQuery,
  TransactionsResponse,
} from './accounts.dto.js';
import { AccountsService, type Caller } from './accounts.service.js';

const ACCOUNT_NOT_FOUND = {
  description: 'No such account, or not one the user shared with this client',
  type: ErrorResponse,
};

function caller(principal: Principal): Caller {
  return {
    subject: principal.subject,
    clientId: principal.clientId,
    interactionId: principal.interactionId,
  };
}

/** Account information: needs scope `accounts`, any sender constraint. */
@ApiTags('accounts')
@ApiFapiProtected('accounts')
@RequireScopes('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: "The user's accounts shared with the calling client" })
  @ApiOkResponse({ type: AccountListResponse })
  async list(@FapiPrincipal() principal: Principal): Promise<AccountListResponse> {
    return { data: await this.accounts.listAccounts(caller(principal)) };
  }

  @Get(':accountId')
  @ApiOperation({ summary: 'One account' })
  @ApiOkResponse({ type: AccountResponse })
  @ApiNotFoundResponse(ACCOUNT_NOT_FOUND)
  async get(
    @FapiPrincipal() principal: Principal,
    @Param('accountId') accountId: string,
  ): Promise<AccountResponse> {
    return { data: await this.accounts.getAccount(caller(principal), accountId) };
  }

  @Get(':accountId/balances')
  @ApiOperation({ summary: 'Booked and available balance' })
  @ApiOkResponse({ type: BalancesResponse })
  @ApiNotFoundResponse(ACCOUNT_NOT_FOUND)
  balances(
    @FapiPrincipal() principal: Principal,
    @Param('accountId') accountId: string,
  ): Promise<BalancesResponse> {
    return this.accounts.getBalances(caller(principal), accountId);
  }

  @Get(':accountId/transactions')
  @ApiOperation({ summary: 'Transactions, newest first, by booking date range, paged' })
  @ApiOkResponse({ type: TransactionsResponse })
  @ApiNotFoundResponse(ACCOUNT_NOT_FOUND)
  transactions(
    @FapiPrincipal() principal: Principal,
    @Param('accountId') accountId: string,
    @Query() query: TransactionsQuery,
  ): Promise<TransactionsResponse> {
    return this.accounts.listTransactions(caller(principal), accountId, query);
  }
}
