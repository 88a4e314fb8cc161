/**
 * The authorization details (RFC 9396) the demo clients ask for at PAR: which accounts may be
 * read and how, and which payments may be made. Used by the walkthrough, the cluster demo and
 * the end-to-end tests. The element builders live with the development AS's client flow, so the
 * token helper (`npm run token`) asks for the same consent.
 */
import { accountAccess, paymentInitiation } from '../../../auth-server/dist/demo-consents.js';
import type { AuthorizationDetailRequest } from '../../../auth-server/dist/demo-consents.js';
import { DEMO_ACCOUNTS } from '../store/demo-data.js';

export {
  ACCOUNT_ACTIONS,
  BOB_CREDITOR,
  accountAccess,
  paymentInitiation,
  type AuthorizationDetailRequest,
} from '../../../auth-server/dist/demo-consents.js';

/** Every demo account (the API's ownership and sharing checks still apply to each). */
export const ALL_DEMO_ACCOUNTS: readonly string[] = Object.values(DEMO_ACCOUNTS);

/**
 * A broad demo consent: every action on every demo account, and payments of up to 500.00 GBP
 * to Bob Example (the strong-authentication threshold's default, so no step-up is needed).
 *
 * @example
 * obtainAccessToken({ ...options, authorizationDetails: broadConsent() });
 */
export function broadConsent(): AuthorizationDetailRequest[] {
  return [accountAccess(ALL_DEMO_ACCOUNTS), paymentInitiation('500.00')];
}
