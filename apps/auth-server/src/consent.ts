/**
 * What the user consents to and how strongly the user authenticated (DEV ONLY):
 * Rich Authorization Requests (RFC 9396) with two types, `account_access` and
 * `payment_initiation`, each validated by a JSON schema at PAR; two `acr` values, a password
 * login and a password plus one-time code; `acr` and `auth_time` in access tokens and
 * introspection responses.
 */
import { randomBytes } from 'node:crypto';
import {
  errors,
  interactionPolicy,
  type AuthorizationDetail,
  type Configuration,
  type KoaContextWithOIDC,
  type RichAuthorizationRequestsActiveConfiguration,
} from 'oidc-provider';
import { ACCOUNT_ACTIONS, ACR_PASSWORD, ACR_STRONG } from './constants.js';
import { assertSupportedSchema, validateJson, type JsonSchema } from './json-schema.js';

export { ACCOUNT_ACTIONS, ACR_PASSWORD, ACR_STRONG, DEV_ONE_TIME_CODE } from './constants.js';

/** The `acr` values this AS can produce, weakest first (`acr_values_supported`). */
export const ACR_VALUES = [ACR_PASSWORD, ACR_STRONG] as const;

const LOCATIONS: JsonSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 10,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^https?://' },
};

/** JSON schema of an `account_access` element: which accounts, and what may be read of them. */
export const ACCOUNT_ACCESS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'accounts', 'actions'],
  additionalProperties: false,
  properties: {
    type: { const: 'account_access' },
    locations: LOCATIONS,
    accounts: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    },
    actions: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ACCOUNT_ACTIONS } },
  },
};

/** JSON schema of a `payment_initiation` element: the amount, currency and creditor consented to. */
export const PAYMENT_INITIATION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'instructedAmount', 'creditorAccount'],
  additionalProperties: false,
  properties: {
    type: { const: 'payment_initiation' },
    locations: LOCATIONS,
    instructedAmount: {
      type: 'object',
      required: ['currency', 'amount'],
      additionalProperties: false,
      properties: {
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        amount: { type: 'string', pattern: '^(?!0+\\.00$)\\d{1,13}\\.\\d{2}$' },
      },
    },
    creditorAccount: {
      type: 'object',
      required: ['iban'],
      additionalProperties: false,
      properties: {
        iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' },
        name: { type: 'string', minLength: 1, maxLength: 70 },
      },
    },
    remittanceInformation: { type: 'string', minLength: 1, maxLength: 140 },
  },
};

/** The authorization details types this AS supports, with their schemas. */
export const AUTHORIZATION_DETAILS_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  account_access: ACCOUNT_ACCESS_SCHEMA,
  payment_initiation: PAYMENT_INITIATION_SCHEMA,
};

/** The member the AS adds to every granted element: the id of the consent it belongs to. */
export const CONSENT_ID_MEMBER = 'consentId';

type RarFeature = RichAuthorizationRequestsActiveConfiguration &
  Required<
    Pick<RichAuthorizationRequestsActiveConfiguration, 'authorizationDetailsForIntrospection'>
  >;

/** Canonical JSON of an element without the AS-assigned consent id (for comparing). */
function requestedForm(detail: AuthorizationDetail): string {
  const { [CONSENT_ID_MEMBER]: _consentId, ...rest } = detail;
  const sort = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sort)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, sort(v)]),
          )
        : value;
  return JSON.stringify(sort(rest));
}

function requestedDetails(ctx: KoaContextWithOIDC): AuthorizationDetail[] | undefined {
  const raw = ctx.oidc.params?.authorization_details;
  return typeof raw === 'string' ? (JSON.parse(raw) as AuthorizationDetail[]) : undefined;
}

/**
 * The elements the user grants at the consent prompt: the requested ones, each with the id of
 * this consent (RFC 9396 §7 lets the AS enrich what it grants), so the API can record under
 * which consent it acted.
 *
 * @example
 * grantedDetails([{ type: 'payment_initiation', ... }]); // [{ ..., consentId: 'cns-...' }]
 */
export function grantedDetails(requested: readonly AuthorizationDetail[]): AuthorizationDetail[] {
  const consentId = `cns-${randomBytes(12).toString('base64url')}`;
  return requested.map((detail) => ({ ...detail, [CONSENT_ID_MEMBER]: consentId }));
}

/**
 * oidc-provider's `features.richAuthorizationRequests`: schema validation at PAR, the code
 * carries what this authorization's consent granted (never an earlier one's), the access token
 * carries the code's details, introspection returns the token's.
 */
export function richAuthorizationRequests(): RarFeature {
  for (const schema of Object.values(AUTHORIZATION_DETAILS_SCHEMAS)) assertSupportedSchema(schema);
  const types = Object.fromEntries(
    Object.entries(AUTHORIZATION_DETAILS_SCHEMAS).map(([type, schema]) => [
      type,
      {
        validate(_ctx: KoaContextWithOIDC, detail: AuthorizationDetail) {
          const problems = validateJson(schema, detail);
          if (problems.length > 0) {
            throw new errors.InvalidAuthorizationDetails(
              `invalid ${type} authorization details: ${problems.slice(0, 3).join('; ')}`,
            );
          }
        },
      },
    ]),
  );
  return {
    enabled: true,
    types,
    authorizationDetailsForGrantSource(ctx) {
      const requested = requestedDetails(ctx);
      if (!requested) return undefined;
      const granted = (ctx.oidc.grant?.rar ?? []) as AuthorizationDetail[];
      const same =
        granted.length === requested.length &&
        granted.every((g, i) => requestedForm(g) === requestedForm(requested[i]!));
      if (!same) throw new errors.AccessDenied('the authorization details were not consented to');
      return granted;
    },
    authorizationDetailsForAccessToken(ctx, _token, source) {
      if (ctx.oidc.params?.authorization_details !== undefined) {
        throw new errors.InvalidAuthorizationDetails(
          'authorization_details are requested at PAR, not at the token endpoint',
        );
      }
      return source?.rar as AuthorizationDetail[] | undefined;
    },
    authorizationDetailsForIntrospection(_ctx, token) {
      return token.rar as AuthorizationDetail[] | undefined;
    },
  };
}

/** `acr` and `auth_time` of the authentication behind an access token (RFC 9470 §2). */
export const extraTokenClaims: NonNullable<Configuration['extraTokenClaims']> = (ctx) => {
  const code = ctx.oidc.entities.AuthorizationCode;
  if (!code) return undefined;
  return {
    ...(code.acr ? { acr: code.acr } : {}),
    ...(code.authTime ? { auth_time: code.authTime } : {}),
  };
};

/** The `acr_values` of an authorization request, split. */
export function requestedAcrValues(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/**
 * True when the requested `acr_values` can only be met by the second factor (they name the
 * strong acr and not the password one).
 *
 * @example
 * needsSecondFactor('urn:fapi-guard:acr:strong'); // true
 */
export function needsSecondFactor(acrValues: unknown): boolean {
  const values = requestedAcrValues(acrValues);
  return values.includes(ACR_STRONG) && !values.includes(ACR_PASSWORD);
}

/**
 * oidc-provider's default prompts plus one login check: a session whose `acr` is not among the
 * requested `acr_values` logs in again (step-up, RFC 9470 §4), instead of reusing it.
 */
export function interactionPolicyWithStepUp(): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider has no login prompt');
  login.checks.add(
    new interactionPolicy.Check(
      'acr_values',
      'the requested authentication level was not met',
      (ctx) => {
        const { oidc } = ctx;
        const wanted = requestedAcrValues(oidc.params?.acr_values);
        if (wanted.length === 0 || oidc.result?.login) return false;
        return !wanted.includes(oidc.session?.acr ?? '');
      },
      (ctx) => ({ acr_values: ctx.oidc.params?.acr_values }),
    ),
  );
  return [...policy];
}
