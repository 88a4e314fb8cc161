/**
 * What the user consented to, as the access token's `authorization_details` say (RFC 9396):
 * `account_access` elements name the accounts and what may be read of them, and
 * `payment_initiation` elements the amount, currency and creditor of a payment. The rules here
 * are the routes' `match` functions and what the handlers read of the matched elements.
 */
import type { AuthorizationDetail, RequirementContext } from '@fapi-guard/core';

/** The `type` of an element granting account reads. */
export const ACCOUNT_ACCESS = 'account_access';
/** The `type` of an element granting one payment. */
export const PAYMENT_INITIATION = 'payment_initiation';
/** The `acr` of the development AS's login with a second factor (payments above the threshold). */
export const STRONG_ACR = 'urn:fapi-guard:acr:strong';
/** The authorization details types this API understands (listed in its RFC 9728 metadata). */
export const AUTHORIZATION_DETAILS_TYPES = [ACCOUNT_ACCESS, PAYMENT_INITIATION] as const;

const AMOUNT = /^\d{1,13}\.\d{2}$/;

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `12.50` → 1250, or undefined for anything that is not such an amount. */
function minorOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !AMOUNT.test(value)) return undefined;
  const [units, fraction] = value.split('.') as [string, string];
  return Number(units) * 100 + Number(fraction);
}

/** An IBAN compared as the payments service stores it: no spaces, upper case. */
function ibanOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.replace(/\s+/g, '').toUpperCase() : undefined;
}

/**
 * The account ids the matched `account_access` elements name.
 *
 * @example
 * consentedAccountIds([{ type: 'account_access', accounts: ['acc-1'], actions: [] }]); // Set {'acc-1'}
 */
export function consentedAccountIds(details: readonly AuthorizationDetail[]): Set<string> {
  return new Set(
    details.filter((d) => d.type === ACCOUNT_ACCESS).flatMap((d) => stringsOf(d.accounts)),
  );
}

/**
 * `match` of the single-account routes: the element names the account of the path.
 *
 * @example
 * namesPathAccount({ type: 'account_access', accounts: ['acc-1'] }, { params: { accountId: 'acc-1' } });
 */
export function namesPathAccount(
  detail: AuthorizationDetail,
  request: Pick<RequirementContext, 'params'>,
): boolean {
  return stringsOf(detail.accounts).includes(String(request.params.accountId));
}

/**
 * `match` of `POST /domestic-payments`: the element's currency and creditor IBAN are the
 * body's, the body's amount is not above the element's, and when the element carries
 * `remittanceInformation` the body's `reference` is exactly it. A body of any other shape is not
 * covered (the route's validation answers it first).
 *
 * @example
 * coversPayment(
 *   { type: 'payment_initiation', instructedAmount: { currency: 'GBP', amount: '25.00' },
 *     creditorAccount: { iban: 'GB39FAPG20051563918204' } },
 *   { body: { instructedAmount: { currency: 'GBP', amount: '20.00' },
 *     creditorAccount: { iban: 'GB39FAPG20051563918204' } } },
 * ); // true
 */
export function coversPayment(
  detail: AuthorizationDetail,
  request: Pick<RequirementContext, 'body'>,
): boolean {
  const body = record(request.body);
  const consented = record(detail.instructedAmount);
  const asked = record(body?.instructedAmount);
  if (!body || !consented || !asked) return false;
  const consentedMinor = minorOf(consented.amount);
  const askedMinor = minorOf(asked.amount);
  if (consentedMinor === undefined || askedMinor === undefined) return false;
  const creditor = ibanOf(record(detail.creditorAccount)?.iban);
  if (creditor === undefined || creditor !== ibanOf(record(body.creditorAccount)?.iban)) {
    return false;
  }
  if (
    detail.remittanceInformation !== undefined &&
    detail.remittanceInformation !== body.reference
  ) {
    return false;
  }
  return (
    typeof consented.currency === 'string' &&
    consented.currency === asked.currency &&
    askedMinor <= consentedMinor
  );
}

/**
 * The consent id the development AS adds to every element it grants (`consentId`), if any.
 *
 * @example
 * consentIdOf({ type: 'payment_initiation', consentId: 'cns-1' }); // 'cns-1'
 */
export function consentIdOf(detail: AuthorizationDetail | undefined): string | undefined {
  const id = detail?.consentId;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
}
