/**
 * Rich Authorization Requests at the resource server (RFC 9396 §9): the `authorization_details`
 * claim checked when the token is verified (RS-RAR-01), and a route's authorization details
 * requirement matched against it per request (RS-RAR-02..05).
 */
import { FapiError } from './errors.js';
import { misconfigured } from './rejection.js';

/**
 * One element of a token's `authorization_details` (RFC 9396 §2): a `type` and whatever
 * members that type defines. Only `type`, `locations` and `actions` are read by fapi-guard;
 * every other member is for the route's `match` and the handler.
 *
 * @example
 * const detail: AuthorizationDetail = {
 *   type: 'payment_initiation',
 *   instructedAmount: { currency: 'EUR', amount: '100.00' },
 * };
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export interface AuthorizationDetail {
  type: string;
  locations?: unknown;
  actions?: unknown;
  [member: string]: unknown;
}

/**
 * The request as a route sees it, for an authorization details `match`: the method, the path,
 * and what the framework parsed (path parameters, query, body). Adapters fill it from the
 * framework's request; `verify` alone knows no path parameters (`params` is `{}`).
 *
 * @example
 * const context: RequirementContext = {
 *   method: 'GET',
 *   path: '/accounts/acc-1',
 *   params: { accountId: 'acc-1' },
 *   query: {},
 *   body: undefined,
 * };
 */
export interface RequirementContext {
  method: string;
  path: string;
  params: Readonly<Record<string, unknown>>;
  query: Readonly<Record<string, unknown>>;
  body: unknown;
}

/**
 * What a route needs of the token's `authorization_details`: one element of `type`, naming this
 * resource server in its `locations` when it has any, granting every one of `actions` (when
 * given), and for which `match` (when given) returns true.
 *
 * @example
 * const requirement: AuthorizationDetailsRequirement = {
 *   type: 'account_access',
 *   actions: ['read_balances'],
 *   match: (detail, request) =>
 *     Array.isArray(detail.accounts) && detail.accounts.includes(request.params.accountId),
 * };
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9
 */
export interface AuthorizationDetailsRequirement {
  /** The element's `type`, compared exactly. */
  type: string;
  /** Every one of these must be in the element's `actions` array. */
  actions?: readonly string[];
  /**
   * A rule on the element's type-specific members and the request. A matcher that throws is a
   * bug of the application: the request is answered 500 `server_error`, never allowed.
   */
  match?: (detail: AuthorizationDetail, request: RequirementContext) => boolean;
}

const REQUIREMENT_MEMBERS = ['type', 'actions', 'match'];

/**
 * Checks an `authorizationDetails` requirement (one or a list) at set-up; throws a TypeError
 * naming `where` for a wrong shape.
 */
export function assertAuthorizationDetailsRequirement(
  where: string,
  value: unknown,
): readonly AuthorizationDetailsRequirement[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw new TypeError(`${where}: name at least one requirement`);
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new TypeError(`${where}: each requirement must be an object`);
    }
    const requirement = item as Record<string, unknown>;
    for (const key of Object.keys(requirement)) {
      if (!REQUIREMENT_MEMBERS.includes(key)) {
        throw new TypeError(
          `${where}: unknown member "${key}" (known: ${REQUIREMENT_MEMBERS.join(', ')})`,
        );
      }
    }
    if (typeof requirement.type !== 'string' || requirement.type.length === 0) {
      throw new TypeError(`${where}: type must be a non-empty string`);
    }
    const { actions, match } = requirement;
    if (
      actions !== undefined &&
      (!Array.isArray(actions) ||
        actions.some((action) => typeof action !== 'string' || action.length === 0))
    ) {
      throw new TypeError(`${where}: actions must be an array of non-empty strings`);
    }
    if (match !== undefined && typeof match !== 'function') {
      throw new TypeError(`${where}: match must be a function`);
    }
  }
  return list as AuthorizationDetailsRequirement[];
}

/**
 * RS-RAR-01: a present `authorization_details` claim must be an array of objects, each with a
 * string `type`; anything else makes the token invalid (401 `invalid_token`).
 */
export function validateAuthorizationDetailsClaim(value: unknown): void {
  if (value === undefined) return;
  if (
    !Array.isArray(value) ||
    value.some(
      (detail) =>
        typeof detail !== 'object' ||
        detail === null ||
        Array.isArray(detail) ||
        typeof (detail as { type?: unknown }).type !== 'string',
    )
  ) {
    throw new FapiError('ERR_FAPI_TOKEN_AUTHORIZATION_DETAILS_INVALID');
  }
}

/**
 * RS-RAR-02..04: the token's elements that cover the request, for a requirement or a list of
 * them (any one satisfied). Throws 403 `insufficient_authorization_details` when none does, and
 * ERR_FAPI_MISCONFIGURED when a matcher throws or answers anything but a boolean.
 */
export function checkAuthorizationDetails(
  granted: unknown,
  required: AuthorizationDetailsRequirement | readonly AuthorizationDetailsRequirement[],
  context: RequirementContext,
  resources: readonly string[],
): AuthorizationDetail[] {
  const details = Array.isArray(granted) ? (granted as AuthorizationDetail[]) : [];
  // Loops, not filter/some: no closures and no one-element array per request.
  const matched: AuthorizationDetail[] = [];
  for (const detail of details) {
    if (Array.isArray(required)) {
      for (const requirement of required as readonly AuthorizationDetailsRequirement[]) {
        if (covers(detail, requirement, context, resources)) {
          matched.push(detail);
          break;
        }
      }
    } else if (covers(detail, required as AuthorizationDetailsRequirement, context, resources)) {
      matched.push(detail);
    }
  }
  if (matched.length === 0) throw new FapiError('ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS');
  return matched;
}

/** Whether one element covers the request (RS-RAR-02, RS-RAR-03). */
function covers(
  detail: AuthorizationDetail,
  requirement: AuthorizationDetailsRequirement,
  context: RequirementContext,
  resources: readonly string[],
): boolean {
  if (detail.type !== requirement.type) return false;
  if (detail.locations !== undefined) {
    // An element restricted to other resources never covers this one; a malformed list neither.
    if (!Array.isArray(detail.locations)) return false;
    if (!namesAny(detail.locations, resources)) return false;
  }
  if (requirement.actions?.length) {
    const actions = detail.actions;
    if (!Array.isArray(actions)) return false;
    if (!requirement.actions.every((action) => actions.includes(action))) return false;
  }
  if (requirement.match) return runMatch(requirement.match, detail, context);
  return true;
}

/** Whether one of `locations` is one of this resource server's identifiers. */
function namesAny(locations: readonly unknown[], resources: readonly string[]): boolean {
  for (const location of locations) if (resources.includes(location as string)) return true;
  return false;
}

function runMatch(
  match: NonNullable<AuthorizationDetailsRequirement['match']>,
  detail: AuthorizationDetail,
  context: RequirementContext,
): boolean {
  let result: unknown;
  try {
    result = match(detail, context);
  } catch (cause) {
    throw misconfigured(cause);
  }
  if (typeof result !== 'boolean') {
    throw misconfigured(new TypeError('authorizationDetails: match must return a boolean'));
  }
  return result;
}
