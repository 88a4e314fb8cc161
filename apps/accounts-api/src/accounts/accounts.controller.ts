import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  FapiPrincipal,
  RequireAuthorizationDetails,
  RequireScopes,
  type Principal,
} from '@fapi-guard/nestjs';
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
import { ACCOUNT_ACCESS, consentedAccountIds, namesPathAccount } from '../security/consent.js';

const ACCOUNT_NOT_FOUND = {
  description: 'No such account, or not one the user shared with this client',
  type: ErrorResponse,
};

function caller(principal: Principal): Caller {
  return {
    subject: principal.subject,
    clientId: principal.clientId,
    interactionId: principal.interactionId,
    consentedAccounts: consentedAccountIds(principal.authorizationDetails),
  };
}

/** The list: any `account_access` element granting `read_accounts`. */
const LIST = { type: ACCOUNT_ACCESS, actions: ['read_accounts'] };

/** One account: an `account_access` element granting `action` for the account of the path. */
const ONE = (action: string) => ({
  type: ACCOUNT_ACCESS,
  actions: [action],
  match: namesPathAccount,
});

/**
 * Account information: needs scope `accounts`, any sender constraint, and an `account_access`
 * authorization details element (RFC 9396) granting the route's action; the list shows only
 * the accounts the matched elements name, and a single-account route needs an element naming
 * its account (else 403 `insufficient_authorization_details`).
 */
@ApiTags('accounts')
@ApiFapiProtected('accounts')
@RequireScopes('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: "The user's accounts shared with the calling client" })
  @ApiOkResponse({ type: AccountListResponse })
  @RequireAuthorizationDetails(LIST)
  async list(@FapiPrincipal() principal: Principal): Promise<AccountListResponse> {
    return { data: await this.accounts.listAccounts(caller(principal)) };
  }

  @Get(':accountId')
  @RequireAuthorizationDetails(ONE('read_accounts'))
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
  @RequireAuthorizationDetails(ONE('read_balances'))
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
  @RequireAuthorizationDetails(ONE('read_transactions'))
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
