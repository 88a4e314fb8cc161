import { Inject, Injectable } from '@nestjs/common';
import { invalidRequest, notFound } from '../common/api-errors.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { DateRangeError, parseDateRange } from '../common/date-range.js';
import { formatMinor, indicatorOf } from '../common/money.js';
import { DEFAULT_PAGE_SIZE, pageLinks, pageMeta } from '../common/paging.js';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';
import { AuditLog } from '../shared/audit-log.service.js';
import type { Account, Transaction } from '../store/banking.model.js';
import { BANKING_STORE, type BankingStore } from '../store/banking.store.js';
import type {
  AccountView,
  BalanceView,
  BalancesResponse,
  TransactionView,
  TransactionsQuery,
  TransactionsResponse,
} from './accounts.dto.js';

/** Who is asking: the token's `sub` and `client_id` (fapi-guard's principal has both). */
export interface Caller {
  subject: string;
  clientId: string;
  interactionId?: string;
  /**
   * The accounts the token's `account_access` authorization details name (RFC 9396); only these
   * are visible, on top of the stored sharing. Undefined: no token-level restriction (payments,
   * whose consent is the `payment_initiation` element).
   */
  consentedAccounts?: ReadonlySet<string>;
}

/**
 * Account information, filtered by ownership and consent: a caller sees an account only when
 * the token's subject owns it AND shared it with the token's client (RS-GEN-04: only the
 * resources identified by the combination of entity and grant). Anything else is a 404, the
 * same as an account that does not exist, so identifiers cannot be probed.
 */
@Injectable()
export class AccountsService {
  constructor(
    @Inject(BANKING_STORE) private readonly store: BankingStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: Pick<ResolvedAppConfig, 'publicUrl'>,
  ) {}

  /** The caller's accounts that were shared with the calling client. */
  async listAccounts(caller: Caller): Promise<AccountView[]> {
    const consented = await this.consentedIds(caller);
    const accounts = await this.store.listAccounts(caller.subject);
    return accounts.filter((a) => consented.has(a.accountId)).map(accountView);
  }

  /**
   * The account if the caller may see it, else undefined (and an audit line saying why).
   * Payments use this for the debtor account too.
   */
  async visibleAccount(caller: Caller, accountId: string): Promise<Account | undefined> {
    const account = await this.store.findAccount(accountId);
    let reason: 'not_found' | 'not_owner' | 'not_consented' | undefined;
    if (!account) reason = 'not_found';
    else if (account.ownerId !== caller.subject) reason = 'not_owner';
    else if (!(await this.consentedIds(caller)).has(accountId)) reason = 'not_consented';
    if (reason === undefined) return account;
    this.audit.resource({
      outcome: 'deny',
      resource: 'account',
      resourceId: accountId,
      reason,
      subject: caller.subject,
      clientId: caller.clientId,
      ...(caller.interactionId ? { interactionId: caller.interactionId } : {}),
    });
    return undefined;
  }

  async getAccount(caller: Caller, accountId: string): Promise<AccountView> {
    return accountView(await this.requireAccount(caller, accountId));
  }

  async getBalances(caller: Caller, accountId: string): Promise<BalancesResponse> {
    const account = await this.requireAccount(caller, accountId);
    const now = this.clock();
    const totals = await this.store.balances(accountId, now);
    const dateTime = new Date(now).toISOString();
    const balance = (type: string, minor: number): BalanceView => ({
      type,
      amount: { amount: formatMinor(minor), currency: account.currency },
      creditDebitIndicator: indicatorOf(minor),
      dateTime,
    });
    return {
      accountId,
      data: [
        balance('InterimBooked', totals.bookedMinor),
        balance('InterimAvailable', totals.availableMinor),
      ],
    };
  }

  async listTransactions(
    caller: Caller,
    accountId: string,
    query: TransactionsQuery,
  ): Promise<TransactionsResponse> {
    const account = await this.requireAccount(caller, accountId);
    let range;
    try {
      range = parseDateRange(query.from, query.to);
    } catch (error) {
      if (!(error instanceof DateRangeError)) throw error;
      throw invalidRequest([{ field: error.field, messages: [error.message] }]);
    }
    const request = { page: query.page ?? 1, pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE };
    const page = await this.store.listTransactions(account.accountId, {
      ...range,
      offset: (request.page - 1) * request.pageSize,
      limit: request.pageSize,
    });
    const meta = pageMeta(request, page.total);
    const now = this.clock();
    return {
      accountId,
      data: page.items.map((t) => transactionView(t, now)),
      meta,
      links: pageLinks(`${this.config.publicUrl}/accounts/${accountId}/transactions`, meta, {
        from: query.from,
        to: query.to,
      }),
    };
  }

  private async requireAccount(caller: Caller, accountId: string): Promise<Account> {
    const account = await this.visibleAccount(caller, accountId);
    if (!account) throw notFound('No such account');
    return account;
  }

  private async consentedIds(caller: Caller): Promise<Set<string>> {
    const consent = await this.store.findConsent(caller.subject, caller.clientId);
    const shared = consent?.accountIds ?? [];
    const granted = caller.consentedAccounts;
    return new Set(granted ? shared.filter((id) => granted.has(id)) : shared);
  }
}

function accountView(account: Account): AccountView {
  return {
    accountId: account.accountId,
    currency: account.currency,
    accountSubType: account.accountSubType,
    nickname: account.nickname,
    name: account.name,
    iban: account.iban,
    openingDate: account.openingDate,
  };
}

function transactionView(transaction: Transaction, now: number): TransactionView {
  const pending = transaction.settlesAt !== undefined && transaction.settlesAt > now;
  return {
    transactionId: transaction.transactionId,
    bookingDateTime: transaction.bookingDateTime,
    status: pending ? 'Pending' : 'Booked',
    creditDebitIndicator: indicatorOf(transaction.amountMinor),
    amount: { amount: formatMinor(transaction.amountMinor), currency: transaction.currency },
    description: transaction.description,
    ...(transaction.merchantName ? { merchantName: transaction.merchantName } : {}),
    ...(transaction.paymentId ? { paymentId: transaction.paymentId } : {}),
  };
}
