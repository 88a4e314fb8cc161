/**
 * Consent-level requirements: Rich Authorization Requests (RFC 9396 §9; RS-RAR-01..06),
 * step-up authentication (RFC 9470; RS-STEP-01..03) and claim rules, with real tokens and
 * proofs. Introspected tokens (RS-STEP-04) are in introspection.test.ts.
 */
import {
  assertRequirements,
  FapiError,
  mergeRequirements,
  protectedResourceMetadata,
  type AuthorizationDetail,
  type RequestLike,
  type RequirementContext,
} from '../src/index.js';
import {
  AUDIENCE,
  createKit,
  expectRejection,
  NOW_S,
  parseChallenges,
  type Kit,
} from './fixture.js';

const PAYMENT: AuthorizationDetail = {
  type: 'payment_initiation',
  locations: [AUDIENCE],
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorAccount: { iban: 'DE02100100109307118603' },
};
const ACCOUNTS: AuthorizationDetail = {
  type: 'account_access',
  actions: ['read_balances', 'read_transactions'],
  accounts: ['acc-1', 'acc-2'],
};

let kit: Kit;
beforeEach(async () => {
  kit = await createKit();
});
afterEach(() => kit.rs.close());

/** A valid DPoP request for a token carrying `claims`. */
async function requestWith(claims: Record<string, unknown>, url?: string): Promise<RequestLike> {
  const token = await kit.dpopToken({ claims });
  return kit.dpopRequest({ token, ...(url ? { url, proof: { htu: url.split('?')[0] } } : {}) });
}

const details = (...list: unknown[]) => ({ authorization_details: list });

const INSUFFICIENT_DETAILS_CHALLENGE =
  'DPoP error="insufficient_authorization_details", error_description="The access token authorization details do not cover this request", algs="PS256 ES256 EdDSA", Bearer';

describe('the authorization_details claim is checked with the token (RS-RAR-01)', () => {
  test.each([
    ['an object, not an array', { authorization_details: { type: 'account_access' } }],
    ['a string', { authorization_details: 'account_access' }],
    ['an element without type', details({ actions: ['read'] })],
    ['an element whose type is a number', details({ type: 7 })],
    ['an element that is not an object', details('account_access')],
    ['an element that is an array', details(['account_access'])],
  ])(
    'rejects a token whose authorization_details is %s with 401 invalid_token',
    async (_name, claims) => {
      // Even on a route that requires no authorization details: the token is not trusted at all.
      await expectRejection(kit.rs, await requestWith(claims), {
        status: 401,
        code: 'ERR_FAPI_TOKEN_AUTHORIZATION_DETAILS_INVALID',
        error: 'invalid_token',
        scheme: 'DPoP',
      });
    },
  );

  test.each([
    ['acr a number', { acr: 2 }],
    ['auth_time a string', { auth_time: String(NOW_S) }],
  ])('rejects a token with %s with 401 invalid_token', async (_name, claims) => {
    await expectRejection(kit.rs, await requestWith(claims), {
      status: 401,
      code: 'ERR_FAPI_TOKEN_CLAIM_INVALID',
      error: 'invalid_token',
      scheme: 'DPoP',
    });
  });

  test('a token without authorization_details passes a route that requires none', async () => {
    const principal = await kit.rs.verify(await requestWith({}));
    expect(principal.authorizationDetails).toEqual([]);
    expect(principal.acr).toBeUndefined();
    expect(principal.authTime).toBeUndefined();
  });
});

describe('an element covers the request (RS-RAR-02, RS-RAR-03, RS-RAR-05)', () => {
  test('the element of the required type is handed to the application', async () => {
    const principal = await kit.rs.verify(await requestWith(details(ACCOUNTS, PAYMENT)), {
      authorizationDetails: { type: 'payment_initiation' },
    });
    expect(principal.authorizationDetails).toEqual([PAYMENT]);
    expect(principal.claims.authorization_details).toEqual([ACCOUNTS, PAYMENT]);
  });

  test('rejects a token whose elements are all of another type with 403', async () => {
    const error = await expectRejection(
      kit.rs,
      await requestWith(details(ACCOUNTS)),
      {
        status: 403,
        code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS',
        error: 'insufficient_authorization_details',
        scheme: 'DPoP',
      },
      { authorizationDetails: { type: 'payment_initiation' } },
    );
    expect(error.headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_authorization_details", error_description="The access token authorization details do not cover this request", algs=/,
    );
  });

  test('rejects a token without authorization_details on a route that requires them', async () => {
    await expectRejection(
      kit.rs,
      await requestWith({}),
      { status: 403, code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS' },
      { authorizationDetails: { type: 'account_access' } },
    );
  });

  test('rejects an element whose locations name another resource server', async () => {
    const elsewhere = { ...PAYMENT, locations: ['https://other-rs.bank.example'] };
    await expectRejection(
      kit.rs,
      await requestWith(details(elsewhere)),
      { status: 403, code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS' },
      { authorizationDetails: { type: 'payment_initiation' } },
    );
  });

  test.each([
    ['a string', AUDIENCE],
    ['an object', {}],
  ])(
    'rejects an element whose locations is not an array (%s) with 403',
    async (_name, locations) => {
      const error = await expectRejection(
        kit.rs,
        await requestWith(details({ ...PAYMENT, locations })),
        {
          status: 403,
          code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS',
          error: 'insufficient_authorization_details',
          scheme: 'DPoP',
        },
        { authorizationDetails: { type: 'payment_initiation' } },
      );
      expect(error.headers['www-authenticate']).toBe(INSUFFICIENT_DETAILS_CHALLENGE);
    },
  );

  test('an element whose locations include this resource server covers it', async () => {
    const both = { ...PAYMENT, locations: ['https://other-rs.bank.example', AUDIENCE] };
    const principal = await kit.rs.verify(await requestWith(details(both)), {
      authorizationDetails: { type: 'payment_initiation' },
    });
    expect(principal.authorizationDetails).toEqual([both]);
  });

  test('rejects an element lacking a required action', async () => {
    await expectRejection(
      kit.rs,
      await requestWith(details({ ...ACCOUNTS, actions: ['read_balances'] })),
      { status: 403, code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS' },
      { authorizationDetails: { type: 'account_access', actions: ['read_transactions'] } },
    );
  });

  test('rejects an element granting only some of the required actions', async () => {
    const error = await expectRejection(
      kit.rs,
      await requestWith(details({ ...ACCOUNTS, actions: ['read_balances'] })),
      {
        status: 403,
        code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS',
        error: 'insufficient_authorization_details',
        scheme: 'DPoP',
      },
      {
        authorizationDetails: {
          type: 'account_access',
          actions: ['read_balances', 'read_transactions'],
        },
      },
    );
    expect(error.headers['www-authenticate']).toBe(INSUFFICIENT_DETAILS_CHALLENGE);
  });

  test('rejects an element without actions when actions are required', async () => {
    const { actions: _actions, ...noActions } = ACCOUNTS;
    await expectRejection(
      kit.rs,
      await requestWith(details(noActions)),
      { status: 403, code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS' },
      { authorizationDetails: { type: 'account_access', actions: ['read_balances'] } },
    );
  });

  test('an element granting every required action covers the request', async () => {
    const principal = await kit.rs.verify(await requestWith(details(ACCOUNTS)), {
      authorizationDetails: {
        type: 'account_access',
        actions: ['read_transactions', 'read_balances'],
      },
    });
    expect(principal.authorizationDetails).toEqual([ACCOUNTS]);
  });

  test('the matcher sees the element and the request; false is a 403 without request data', async () => {
    const url = 'https://api.bank.example/accounts?account=acc-9';
    const seen: RequirementContext[] = [];
    const error = await expectRejection(
      kit.rs,
      await requestWith(details(ACCOUNTS), url),
      { status: 403, code: 'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS' },
      {
        authorizationDetails: {
          type: 'account_access',
          match: (detail, request) => {
            seen.push(request);
            return (detail.accounts as string[]).includes(request.query.account as string);
          },
        },
      },
    );
    expect(seen).toEqual([
      {
        method: 'GET',
        path: '/accounts',
        params: {},
        query: { account: 'acc-9' },
        body: undefined,
      },
    ]);
    expect(error.headers['www-authenticate']).not.toMatch(/acc-9/);
    expect(JSON.stringify(error.body())).not.toMatch(/acc-9/);
  });

  test('a matcher returning true covers the request', async () => {
    const url = 'https://api.bank.example/accounts?account=acc-2';
    const principal = await kit.rs.verify(await requestWith(details(ACCOUNTS), url), {
      authorizationDetails: {
        type: 'account_access',
        match: (detail, request) =>
          (detail.accounts as string[]).includes(request.query.account as string),
      },
    });
    expect(principal.authorizationDetails).toEqual([ACCOUNTS]);
  });

  test('a list of requirements passes when any one is covered, handing over the covering elements', async () => {
    const principal = await kit.rs.verify(await requestWith(details(ACCOUNTS, PAYMENT)), {
      authorizationDetails: [{ type: 'standing_order' }, { type: 'account_access' }],
    });
    expect(principal.authorizationDetails).toEqual([ACCOUNTS]);
  });

  test.each([
    [
      'throws',
      () => {
        throw new Error('bug');
      },
    ],
    ['answers a non-boolean', () => 'yes' as unknown as boolean],
  ])('a matcher that %s is a 500 ERR_FAPI_MISCONFIGURED, never a pass', async (_name, match) => {
    await expectRejection(
      kit.rs,
      await requestWith(details(ACCOUNTS)),
      { status: 500, code: 'ERR_FAPI_MISCONFIGURED' },
      { authorizationDetails: { type: 'account_access', match } },
    );
  });
});

describe('the pipeline hands the matched details on without changing the shared principal (RS-RAR-05)', () => {
  test('require() returns a new principal with the details; later requirements keep them', async () => {
    const like = await requestWith(details(ACCOUNTS, PAYMENT));
    const native = {};
    const shared = await kit.rs.forRequest(native, () => like).principal();
    const context: RequirementContext = {
      method: 'GET',
      path: '/accounts/acc-1',
      params: { accountId: 'acc-1' },
      query: {},
      body: undefined,
    };
    const withDetails = await kit.rs
      .forRequest(native, () => like)
      .require(
        {
          authorizationDetails: {
            type: 'account_access',
            match: (detail, request) =>
              (detail.accounts as string[]).includes(request.params.accountId as string),
          },
        },
        context,
      );
    expect(withDetails.authorizationDetails).toEqual([ACCOUNTS]);
    expect(shared.authorizationDetails).toEqual([]);
    const later = await kit.rs.forRequest(native, () => like).require({ scopes: ['accounts'] });
    expect(later.authorizationDetails).toEqual([ACCOUNTS]);
  });

  test('the path parameter of the context decides: another account is refused', async () => {
    const like = await requestWith(details(ACCOUNTS));
    const error = await kit.rs
      .forRequest({}, () => like)
      .require(
        {
          authorizationDetails: {
            type: 'account_access',
            match: (detail, request) =>
              (detail.accounts as string[]).includes(request.params.accountId as string),
          },
        },
        {
          method: 'GET',
          path: '/accounts/acc-7',
          params: { accountId: 'acc-7' },
          query: {},
          body: undefined,
        },
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(FapiError);
    expect((error as FapiError).status).toBe(403);
    expect((error as FapiError).headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_authorization_details"/,
    );
    expect((error as FapiError).headers['www-authenticate']).not.toMatch(/acc-7/);
  });

  test('require() without a context gives the matcher the described request: method, path, query, body', async () => {
    const url = 'https://api.bank.example/accounts?account=acc-1';
    const like = { ...(await requestWith(details(ACCOUNTS), url)), body: { note: 'x' } };
    const seen: RequirementContext[] = [];
    const principal = await kit.rs
      .forRequest({}, () => like)
      .require({
        authorizationDetails: {
          type: 'account_access',
          match: (_detail, request) => (seen.push(request), request.query.account === 'acc-1'),
        },
      });
    expect(principal.authorizationDetails).toEqual([ACCOUNTS]);
    expect(seen).toEqual([
      {
        method: 'GET',
        path: '/accounts',
        params: {},
        query: { account: 'acc-1' },
        body: { note: 'x' },
      },
    ]);
  });

  test('authorize() with a matcher and no context is a 500, never a pass', async () => {
    const principal = await kit.rs.verify(await requestWith(details(ACCOUNTS)));
    let caught: unknown;
    try {
      kit.rs.authorize(principal, {
        authorizationDetails: { type: 'account_access', match: () => true },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'ERR_FAPI_MISCONFIGURED', status: 500 });
  });
});

describe('step-up authentication (RS-STEP-01..03)', () => {
  const STRONG = 'urn:fapi-guard:acr:strong';

  test('an acr in the set and a recent auth_time pass, exposed on the principal', async () => {
    const principal = await kit.rs.verify(
      await requestWith({ acr: STRONG, auth_time: NOW_S - 100 }),
      { acrValues: [STRONG, 'urn:other'], maxAge: 300 },
    );
    expect(principal).toMatchObject({ acr: STRONG, authTime: NOW_S - 100 });
  });

  test('rejects an acr outside the set with 401 insufficient_user_authentication and acr_values', async () => {
    const error = await expectRejection(
      kit.rs,
      await requestWith({ acr: 'urn:fapi-guard:acr:password', auth_time: NOW_S }),
      {
        status: 401,
        code: 'ERR_FAPI_ACR_INSUFFICIENT',
        error: 'insufficient_user_authentication',
        scheme: 'DPoP',
      },
      { acrValues: [STRONG, 'urn:other'] },
    );
    expect(error.headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:fapi-guard:acr:strong urn:other", algs="/,
    );
    expect(parseChallenges(error.headers['www-authenticate'])[0]?.params.max_age).toBeUndefined();
  });

  test('rejects a token without acr when acr is required (never passes by default)', async () => {
    await expectRejection(
      kit.rs,
      await requestWith({}),
      { status: 401, code: 'ERR_FAPI_ACR_INSUFFICIENT', error: 'insufficient_user_authentication' },
      { acrValues: [STRONG] },
    );
  });

  test('rejects an auth_time older than maxAge with max_age in the challenge', async () => {
    const error = await expectRejection(
      kit.rs,
      await requestWith({ acr: STRONG, auth_time: NOW_S - 301 - 5 }),
      {
        status: 401,
        code: 'ERR_FAPI_AUTH_TIME_TOO_OLD',
        error: 'insufficient_user_authentication',
      },
      { acrValues: [STRONG], maxAge: 300 },
    );
    const [dpop] = parseChallenges(error.headers['www-authenticate']);
    expect(dpop?.params).toMatchObject({
      error: 'insufficient_user_authentication',
      error_description: 'More recent authentication is required',
      acr_values: STRONG,
      max_age: '300',
    });
  });

  test('an auth_time exactly maxAge ago still passes', async () => {
    await expect(
      kit.rs.verify(await requestWith({ auth_time: NOW_S - 300 }), { maxAge: 300 }),
    ).resolves.toMatchObject({ authTime: NOW_S - 300 });
  });

  test('rejects a token without auth_time when maxAge is required', async () => {
    const error = await expectRejection(
      kit.rs,
      await requestWith({ acr: STRONG }),
      {
        status: 401,
        code: 'ERR_FAPI_AUTH_TIME_TOO_OLD',
        error: 'insufficient_user_authentication',
      },
      { maxAge: 0 },
    );
    expect(error.headers['www-authenticate']).toMatch(/, max_age="0", /);
    expect(error.headers['www-authenticate']).not.toMatch(/acr_values/);
  });

  test('a clock that fails during authorize() makes maxAge a 500, never a pass', async () => {
    const principal = await kit.rs.verify(await requestWith({ auth_time: NOW_S - 10_000 }));
    const broken = await createKit({
      clock: () => {
        throw new Error('clock down');
      },
    });
    let caught: unknown;
    try {
      broken.rs.authorize(principal, { maxAge: 60 });
    } catch (error) {
      caught = error;
    }
    await broken.rs.close();
    expect(caught).toMatchObject({ code: 'ERR_FAPI_MISCONFIGURED', status: 500 });
  });

  test('a Bearer (mTLS) token is challenged on the Bearer scheme', async () => {
    const principal = await kit.rs.verify(await requestWith({ acr: 'urn:weak' }));
    const bearer = { ...principal, binding: { kind: 'mtls' as const, x5tS256: 'x' } };
    let caught: unknown;
    try {
      kit.rs.authorize(bearer, { acrValues: [STRONG] });
    } catch (error) {
      caught = error;
    }
    expect((caught as FapiError).headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:fapi-guard:acr:strong", DPoP algs="PS256 ES256 EdDSA"$/,
    );
  });
});

describe('claims predicates (RS-CLAIM-01)', () => {
  test('a predicate returning true passes; it sees the claims', async () => {
    const principal = await kit.rs.verify(await requestWith({ tenant: 'bank-a' }), {
      claims: (claims) => claims.tenant === 'bank-a',
    });
    expect(principal.claims.tenant).toBe('bank-a');
  });

  test('a predicate returning false is 403 insufficient_scope without a scope parameter', async () => {
    const error = await expectRejection(
      kit.rs,
      await requestWith({ tenant: 'bank-b' }),
      { status: 403, code: 'ERR_FAPI_CLAIMS_REQUIREMENT', error: 'insufficient_scope' },
      { claims: (claims) => claims.tenant === 'bank-a' },
    );
    expect(parseChallenges(error.headers['www-authenticate'])[0]?.params.scope).toBeUndefined();
  });

  test('a predicate that throws is a 500 ERR_FAPI_MISCONFIGURED, never a pass', async () => {
    await expectRejection(
      kit.rs,
      await requestWith({}),
      { status: 500, code: 'ERR_FAPI_MISCONFIGURED' },
      {
        claims: () => {
          throw new Error('bug');
        },
      },
    );
  });
});

describe('consent requirements are checked at set-up', () => {
  test.each([
    ['an empty type', { authorizationDetails: { type: '' } }, /type must be a non-empty string/],
    ['no type', { authorizationDetails: { actions: ['read'] } }, /type must be a non-empty string/],
    [
      'a misspelt member',
      { authorizationDetails: { type: 'a', action: ['r'] } },
      /unknown member "action"/,
    ],
    [
      'actions not strings',
      { authorizationDetails: { type: 'a', actions: [1] } },
      /actions must be/,
    ],
    [
      'a match that is no function',
      { authorizationDetails: { type: 'a', match: true } },
      /match must be a function/,
    ],
    ['an empty list', { authorizationDetails: [] }, /name at least one requirement/],
    ['empty acrValues', { acrValues: [] }, /acrValues must be/],
    ['an acr value with a space', { acrValues: ['a b'] }, /acrValues must be/],
    ['acrValues a string', { acrValues: 'urn:strong' }, /acrValues must be/],
    ['a negative maxAge', { maxAge: -1 }, /maxAge must be a non-negative integer/],
    ['a fractional maxAge', { maxAge: 1.5 }, /maxAge must be a non-negative integer/],
    ['claims not a function', { claims: { tenant: 'a' } }, /claims must be a function/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => assertRequirements('route', value)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });

  test('a malformed consent requirement at request time is a 500, never a skipped check', async () => {
    await expectRejection(
      kit.rs,
      await requestWith({}),
      { status: 500, code: 'ERR_FAPI_MISCONFIGURED' },
      { acrValues: [] } as never,
    );
  });

  test('mergeRequirements: one authorizationDetails and one acrValues list per route', () => {
    expect(() =>
      mergeRequirements(
        { authorizationDetails: { type: 'a' } },
        { authorizationDetails: { type: 'b' } },
      ),
    ).toThrow(/only one authorizationDetails/);
    expect(() => mergeRequirements({ acrValues: ['a'] }, { acrValues: ['b'] })).toThrow(
      /only one acrValues/,
    );
    expect(mergeRequirements({ acrValues: ['a', 'b'] }, { acrValues: ['b', 'a'] })).toEqual({
      acrValues: ['a', 'b'],
    });
  });

  test('mergeRequirements: the smaller maxAge, and both claims predicates must hold', () => {
    const merged = mergeRequirements(
      { maxAge: 600, claims: (claims) => claims.a === 1 },
      { maxAge: 300, claims: (claims) => claims.b === 2 },
    );
    expect(merged.maxAge).toBe(300);
    const claims = { a: 1, b: 2 } as never;
    expect(merged.claims?.(claims)).toBe(true);
    expect(merged.claims?.({ a: 1, b: 3 } as never)).toBe(false);
    expect(merged.claims?.({ a: 0, b: 2 } as never)).toBe(false);
  });
});

describe('RFC 9728 metadata lists the authorization details types (RS-RAR-06)', () => {
  test('authorization_details_types_supported when configured, absent otherwise', async () => {
    const configured = await createKit({
      authorizationDetailsTypesSupported: ['account_access', 'payment_initiation'],
    });
    expect(configured.rs.metadata().authorization_details_types_supported).toEqual([
      'account_access',
      'payment_initiation',
    ]);
    await configured.rs.close();
    expect(kit.rs.metadata()).not.toHaveProperty('authorization_details_types_supported');
  });

  test('a malformed authorizationDetailsTypesSupported is a TypeError naming it', () => {
    expect(() =>
      protectedResourceMetadata({
        issuer: 'https://as.bank.example',
        audience: AUDIENCE,
        jwksUri: 'https://as.bank.example/jwks',
        authorizationDetailsTypesSupported: 'account_access' as never,
      }),
    ).toThrow(/authorizationDetailsTypesSupported/);
  });
});
