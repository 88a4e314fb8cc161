/**
 * The consent-level requirements of the conformance app's consent routes, shared so that every
 * adapter's app states exactly the same rules with its own helpers or decorators.
 */
import type { AccessTokenClaims, AuthorizationDetailsRequirement } from '@fapi-guard/core';

/**
 * The `acr` the `GET /strong` route requires.
 *
 * @example
 * await kit.dpopToken({ claims: { acr: CONFORMANCE_STRONG_ACR, auth_time: kit.now } });
 */
export const CONFORMANCE_STRONG_ACR = 'urn:fapi-guard:acr:strong';

/**
 * `POST /consented-payments`: a `payment_initiation` element whose `instructedAmount` has the
 * body's `currency` and an `amount` not below the body's.
 *
 * @example
 * app.post('/consented-payments', requireAuthorizationDetails(CONFORMANCE_PAYMENT_CONSENT), handler);
 */
export const CONFORMANCE_PAYMENT_CONSENT: AuthorizationDetailsRequirement = {
  type: 'payment_initiation',
  match: (detail, request) => {
    const body = request.body as { amount?: unknown; currency?: unknown } | undefined;
    const consented = detail.instructedAmount as { amount?: unknown; currency?: unknown };
    if (typeof body?.amount !== 'string' || typeof consented?.amount !== 'string') return false;
    const amount = Number(body.amount);
    return (
      Number.isFinite(amount) &&
      body.currency === consented.currency &&
      amount <= Number(consented.amount)
    );
  },
};

/**
 * `GET /accounts/:accountId`: an `account_access` element granting `read_balances` whose
 * `accounts` list the path's account id.
 *
 * @example
 * app.get('/accounts/:accountId', requireAuthorizationDetails(CONFORMANCE_ACCOUNT_CONSENT), handler);
 */
export const CONFORMANCE_ACCOUNT_CONSENT: AuthorizationDetailsRequirement = {
  type: 'account_access',
  actions: ['read_balances'],
  match: (detail, request) =>
    Array.isArray(detail.accounts) && detail.accounts.includes(request.params.accountId),
};

/**
 * `GET /strong`: the user authenticated with {@link CONFORMANCE_STRONG_ACR} at most 300 s ago.
 *
 * @example
 * app.get('/strong', requireAcr(CONFORMANCE_STEP_UP.acrValues, { maxAge: CONFORMANCE_STEP_UP.maxAge }), handler);
 */
export const CONFORMANCE_STEP_UP = { acrValues: [CONFORMANCE_STRONG_ACR], maxAge: 300 } as const;

/**
 * `GET /claims`: a `claims` predicate, the token's `customer_type` claim being `business`.
 *
 * @example
 * app.get('/claims', requireClaims(CONFORMANCE_CLAIMS_RULE), handler);
 */
export const CONFORMANCE_CLAIMS_RULE = (claims: AccessTokenClaims): boolean =>
  claims.customer_type === 'business';
