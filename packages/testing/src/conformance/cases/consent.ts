/**
 * Consent-level authorization over HTTP: authorization details (RS-RAR-01..05) on
 * `POST /consented-payments` and `GET /accounts/:accountId`, step-up authentication
 * (RS-STEP-01..03) on `GET /strong`, and a claims rule (RS-CLAIM-01) on `GET /claims`.
 */
import { CONFORMANCE_STRONG_ACR } from '../consent-routes.js';
import { CONFORMANCE_AUDIENCE } from '../kit.js';
import type { ConformanceCase, ConformanceExpectation, ConformanceKit } from '../types.js';
import { bearer, PRINCIPAL } from './shared.js';

const PAYMENT = (audience: string, locations: string[] = [audience]) => ({
  type: 'payment_initiation',
  locations,
  instructedAmount: { currency: 'EUR', amount: '100.00' },
  creditorAccount: { iban: 'DE02100100109307118603' },
});
const ACCOUNTS = {
  type: 'account_access',
  actions: ['read_balances', 'read_transactions'],
  accounts: ['acc-1', 'acc-2'],
};

/** A DPoP request for a token carrying `claims`. */
async function withClaims(
  k: ConformanceKit,
  claims: Record<string, unknown>,
  request: { method?: string; path?: string; body?: string } = {},
) {
  const token = await k.dpopToken({ claims });
  const { body, ...rest } = request;
  const sent = await k.dpopRequest({ token, ...rest, ...(body ? { body } : {}) });
  if (body) sent.headers['content-type'] = 'application/json';
  return sent;
}

const pay = (k: ConformanceKit, claims: Record<string, unknown>, amount: string) =>
  withClaims(k, claims, {
    method: 'POST',
    path: '/consented-payments',
    body: JSON.stringify({ amount, currency: 'EUR' }),
  });

/** The challenge must not carry any of these request values (amounts, account ids). */
const without = (...values: string[]) =>
  new RegExp(`^(?!.*(?:${values.map((v) => v.replace(/\./g, '\\.')).join('|')}))`, 's');

const NOT_COVERED = (...requestData: string[]): ConformanceExpectation => ({
  status: 403,
  error: 'insufficient_authorization_details',
  scheme: 'DPoP',
  code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS',
  headers: { 'www-authenticate': without(...requestData) },
});

const STEP_UP = (code: 'ERR_FAPI_ACR_INSUFFICIENT' | 'ERR_FAPI_AUTH_TIME_TOO_OLD') =>
  ({
    status: 401,
    error: 'insufficient_user_authentication',
    scheme: 'DPoP',
    code,
    headers: {
      'www-authenticate': new RegExp(
        `^DPoP error="insufficient_user_authentication", error_description="[^"]+", acr_values="${CONFORMANCE_STRONG_ACR}", max_age="300"`,
      ),
    },
  }) satisfies ConformanceExpectation;

export const consentCases: ConformanceCase[] = [
  {
    name: 'accepts a payment within the consented amount and currency, handing over the consent',
    specIds: ['RS-RAR-02', 'RS-RAR-05'],
    request: (k) => pay(k, { authorization_details: [ACCOUNTS, PAYMENT(k.audience)] }, '99.99'),
    expect: {
      status: 201,
      body: {
        ...PRINCIPAL,
        authorizationDetails: [PAYMENT(CONFORMANCE_AUDIENCE)],
      },
    },
  },
  {
    name: 'refuses a payment when no element has the payment_initiation type',
    specIds: ['RS-RAR-02', 'RS-RAR-04'],
    request: (k) => pay(k, { authorization_details: [ACCOUNTS] }, '10.00'),
    expect: NOT_COVERED('10.00'),
  },
  {
    name: 'refuses a payment consented only at another resource server (locations)',
    specIds: ['RS-RAR-03'],
    request: (k) =>
      pay(
        k,
        { authorization_details: [PAYMENT(k.audience, ['https://other.bank.test'])] },
        '10.00',
      ),
    expect: NOT_COVERED('10.00'),
  },
  {
    name: 'refuses a payment above the consented amount, without the amount in the challenge',
    specIds: ['RS-RAR-02', 'RS-RAR-04'],
    request: (k) => pay(k, { authorization_details: [PAYMENT(k.audience)] }, '150.00'),
    expect: NOT_COVERED('150.00', 'EUR'),
  },
  {
    name: 'accepts a read of a consented account with the consented action',
    specIds: ['RS-RAR-02', 'RS-RAR-05'],
    request: (k) =>
      withClaims(k, { authorization_details: [ACCOUNTS] }, { path: '/accounts/acc-2' }),
    expect: { status: 200, body: { ...PRINCIPAL, authorizationDetails: [ACCOUNTS] } },
  },
  {
    name: 'refuses a read of an account the consent does not list, without the id in the challenge',
    specIds: ['RS-RAR-02', 'RS-RAR-04'],
    request: (k) =>
      withClaims(k, { authorization_details: [ACCOUNTS] }, { path: '/accounts/acc-9' }),
    expect: NOT_COVERED('acc-9'),
  },
  {
    name: 'refuses a read when the consent lacks the required action',
    specIds: ['RS-RAR-02'],
    request: (k) =>
      withClaims(
        k,
        { authorization_details: [{ ...ACCOUNTS, actions: ['read_transactions'] }] },
        { path: '/accounts/acc-1' },
      ),
    expect: NOT_COVERED('acc-1'),
  },
  {
    name: 'refuses a token whose authorization_details is malformed, on any route',
    specIds: ['RS-RAR-01'],
    request: (k) => withClaims(k, { authorization_details: { type: 'account_access' } }),
    expect: {
      status: 401,
      error: 'invalid_token',
      scheme: 'DPoP',
      code: 'ERR_FAPI_TOKEN_AUTHORIZATION_DETAILS_INVALID',
    },
  },
  {
    name: 'refuses an authorization_details element without a type',
    specIds: ['RS-RAR-01'],
    request: (k) =>
      withClaims(
        k,
        { authorization_details: [{ accounts: ['acc-1'] }] },
        { path: '/accounts/acc-1' },
      ),
    expect: {
      status: 401,
      error: 'invalid_token',
      scheme: 'DPoP',
      code: 'ERR_FAPI_TOKEN_AUTHORIZATION_DETAILS_INVALID',
    },
  },
  {
    name: 'accepts a token whose claims satisfy the claims rule of the route',
    specIds: ['RS-CLAIM-01'],
    request: (k) => withClaims(k, { customer_type: 'business' }, { path: '/claims' }),
    expect: { status: 200, body: { ...PRINCIPAL } },
  },
  {
    name: 'refuses a token whose claims fail the claims rule with 403 insufficient_scope and no scope parameter',
    specIds: ['RS-CLAIM-01'],
    request: (k) => withClaims(k, { customer_type: 'retail' }, { path: '/claims' }),
    expect: {
      status: 403,
      error: 'insufficient_scope',
      scheme: 'DPoP',
      code: 'ERR_FAPI_CLAIMS_REQUIREMENT',
      headers: {
        'www-authenticate':
          'DPoP error="insufficient_scope", error_description="The access token claims do not meet the requirements of this resource", algs="PS256 ES256 EdDSA", Bearer',
      },
    },
  },
  {
    name: 'accepts a strong authentication within max_age',
    specIds: ['RS-STEP-01'],
    request: (k) =>
      withClaims(k, { acr: CONFORMANCE_STRONG_ACR, auth_time: k.now - 60 }, { path: '/strong' }),
    expect: { status: 200, body: { ...PRINCIPAL, acr: CONFORMANCE_STRONG_ACR } },
  },
  {
    name: 'challenges a token without acr for step-up (acr_values, max_age)',
    specIds: ['RS-STEP-02', 'RS-STEP-03'],
    request: (k) => withClaims(k, { auth_time: k.now }, { path: '/strong' }),
    expect: STEP_UP('ERR_FAPI_ACR_INSUFFICIENT'),
  },
  {
    name: 'challenges an acr outside the required set for step-up',
    specIds: ['RS-STEP-02'],
    request: (k) =>
      withClaims(k, { acr: 'urn:fapi-guard:acr:password', auth_time: k.now }, { path: '/strong' }),
    expect: STEP_UP('ERR_FAPI_ACR_INSUFFICIENT'),
  },
  {
    name: 'challenges an authentication older than max_age for step-up',
    specIds: ['RS-STEP-02'],
    request: (k) =>
      withClaims(k, { acr: CONFORMANCE_STRONG_ACR, auth_time: k.now - 3600 }, { path: '/strong' }),
    expect: STEP_UP('ERR_FAPI_AUTH_TIME_TOO_OLD'),
  },
  {
    name: 'challenges a token without auth_time for step-up',
    specIds: ['RS-STEP-03'],
    request: (k) => withClaims(k, { acr: CONFORMANCE_STRONG_ACR }, { path: '/strong' }),
    expect: STEP_UP('ERR_FAPI_AUTH_TIME_TOO_OLD'),
  },
  {
    name: 'challenges an mTLS-bound token for step-up on the Bearer scheme',
    specIds: ['RS-STEP-02'],
    server: 'tls',
    request: async (k) => ({
      ...bearer(
        await k.mtlsToken({ claims: { acr: 'urn:fapi-guard:acr:password', auth_time: k.now } }),
        '/strong',
      ),
      cert: k.certificate,
    }),
    expect: {
      status: 401,
      error: 'insufficient_user_authentication',
      scheme: 'Bearer',
      code: 'ERR_FAPI_ACR_INSUFFICIENT',
      headers: {
        'www-authenticate': new RegExp(
          `^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="${CONFORMANCE_STRONG_ACR}", max_age="300"`,
        ),
      },
    },
  },
  {
    name: 'accepts an mTLS-bound token with the strong acr over TLS',
    specIds: ['RS-STEP-01'],
    server: 'tls',
    request: async (k) => ({
      ...bearer(
        await k.mtlsToken({ claims: { acr: CONFORMANCE_STRONG_ACR, auth_time: k.now } }),
        '/strong',
      ),
      cert: k.certificate,
    }),
    expect: { status: 200, body: { ...PRINCIPAL, acr: CONFORMANCE_STRONG_ACR } },
  },
];
