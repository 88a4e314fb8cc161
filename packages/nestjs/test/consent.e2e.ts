/**
 * `@RequireAuthorizationDetails`, `@RequireAcr` and `@RequireClaims` on Nest routes: the
 * handler's decorator beats the class's, the matcher sees the platform's params, query and body,
 * `@FapiPrincipal()` exposes the matched details, and the startup check knows the decorators.
 */
import { Body, Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { FIXTURE_NOW_S } from '@fapi-guard/testing';
import request from 'supertest';
import {
  FapiGuardModule,
  FapiPrincipal,
  Public,
  RequireAcr,
  RequireAuthorizationDetails,
  RequireClaims,
  type AuthorizationDetail,
} from '../src/index.js';
import { createApp, dpopHeaders, fapiOptions, PLATFORMS } from './fixture.js';

const STRONG = 'urn:fapi-guard:acr:strong';
const ACCOUNTS = { type: 'account_access', actions: ['read_balances'], accounts: ['acc-1'] };
const PAYMENT = { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '50' } };

@RequireAcr(['urn:fapi-guard:acr:password', STRONG])
@Controller()
class ConsentController {
  @RequireAuthorizationDetails({
    type: 'account_access',
    actions: ['read_balances'],
    match: (detail, req) =>
      (detail.accounts as string[]).includes(req.params.accountId as string) &&
      req.query.view === 'full',
  })
  @Get('accounts/:accountId')
  account(@FapiPrincipal('authorizationDetails') details: AuthorizationDetail[]) {
    return { details };
  }

  @RequireAuthorizationDetails({
    type: 'payment_initiation',
    match: (detail, req) =>
      (detail.instructedAmount as { amount: string }).amount ===
      (req.body as { amount?: string }).amount,
  })
  @Post('payments')
  pay(
    @Body() body: unknown,
    @FapiPrincipal('authorizationDetails') details: AuthorizationDetail[],
  ) {
    return { body, details };
  }

  @RequireAcr([STRONG], { maxAge: 300 })
  @Get('strong')
  strong(@FapiPrincipal('acr') acr: string) {
    return { acr };
  }

  @RequireClaims((claims) => claims.customer_type === 'business')
  @Get('business')
  business() {
    return { ok: true };
  }
}

@RequireAuthorizationDetails({ type: 'payment_initiation' })
@Controller('details')
class DetailsOverrideController {
  @RequireAuthorizationDetails({ type: 'account_access' })
  @Get('own')
  own(@FapiPrincipal('authorizationDetails') details: AuthorizationDetail[]) {
    return { details };
  }

  @Get('inherited')
  inherited() {
    return { ok: true };
  }
}

@RequireClaims((claims) => claims.customer_type === 'business')
@Controller('claims')
class ClaimsOverrideController {
  @RequireClaims((claims) => claims.customer_type === 'retail')
  @Get('own')
  own() {
    return { ok: true };
  }

  @Get('inherited')
  inherited() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('consent decorators on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(platform, {
      imports: [FapiGuardModule.forRoot({ ...(await fapiOptions()), global: true })],
      controllers: [ConsentController, DetailsOverrideController, ClaimsOverrideController],
    });
  });
  afterAll(() => app.close());

  const claims = (extra: Record<string, unknown>) => ({
    claims: { acr: 'urn:fapi-guard:acr:password', auth_time: FIXTURE_NOW_S, ...extra },
  });

  it('the matcher sees the path parameter and the query; the principal has the matched element', async () => {
    const path = '/accounts/acc-1?view=full';
    const response = await request(app.getHttpServer())
      .get(path)
      .set(
        await dpopHeaders(
          'GET',
          '/accounts/acc-1',
          claims({ authorization_details: [ACCOUNTS, PAYMENT] }),
        ),
      );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ details: [ACCOUNTS] });
  });

  it('refuses another account with 403 insufficient_authorization_details', async () => {
    const response = await request(app.getHttpServer())
      .get('/accounts/acc-2?view=full')
      .set(
        await dpopHeaders('GET', '/accounts/acc-2', claims({ authorization_details: [ACCOUNTS] })),
      );
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_authorization_details"/,
    );
    expect(response.headers['www-authenticate']).not.toMatch(/acc-2/);
  });

  it('the matcher sees the parsed JSON body', async () => {
    const headers = await dpopHeaders(
      'POST',
      '/payments',
      claims({ authorization_details: [PAYMENT] }),
    );
    const ok = await request(app.getHttpServer())
      .post('/payments')
      .set(headers)
      .send({ amount: '50' });
    expect(ok.status).toBe(201);
    expect(ok.body.details).toEqual([PAYMENT]);
    const more = await request(app.getHttpServer())
      .post('/payments')
      .set(await dpopHeaders('POST', '/payments', claims({ authorization_details: [PAYMENT] })))
      .send({ amount: '51' });
    expect(more.status).toBe(403);
  });

  it("the class's @RequireAcr applies to handlers without their own", async () => {
    const weak = await request(app.getHttpServer())
      .get('/accounts/acc-1?view=full')
      .set(
        await dpopHeaders(
          'GET',
          '/accounts/acc-1',
          claims({ acr: 'urn:other', authorization_details: [ACCOUNTS] }),
        ),
      );
    expect(weak.status).toBe(401);
    expect(weak.headers['www-authenticate']).toMatch(
      /^DPoP error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:fapi-guard:acr:password urn:fapi-guard:acr:strong"/,
    );
  });

  it("a handler's @RequireAcr beats the class's: the password acr is not enough there", async () => {
    const response = await request(app.getHttpServer())
      .get('/strong')
      .set(await dpopHeaders('GET', '/strong', claims({})));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(
      /acr_values="urn:fapi-guard:acr:strong", max_age="300"/,
    );
    const strong = await request(app.getHttpServer())
      .get('/strong')
      .set(await dpopHeaders('GET', '/strong', claims({ acr: STRONG })));
    expect(strong.status).toBe(200);
    expect(strong.body).toEqual({ acr: STRONG });
  });

  it("a handler's @RequireAuthorizationDetails beats the class's", async () => {
    const mint = claims({ authorization_details: [ACCOUNTS] });
    const own = await request(app.getHttpServer())
      .get('/details/own')
      .set(await dpopHeaders('GET', '/details/own', mint));
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ details: [ACCOUNTS] });
    const inherited = await request(app.getHttpServer())
      .get('/details/inherited')
      .set(await dpopHeaders('GET', '/details/inherited', mint));
    expect(inherited.status).toBe(403);
    expect(inherited.body.error).toBe('insufficient_authorization_details');
    expect(inherited.headers['www-authenticate']).toBe(
      'DPoP error="insufficient_authorization_details", error_description="The access token authorization details do not cover this request", algs="PS256 ES256 EdDSA", Bearer',
    );
  });

  it("a handler's @RequireClaims beats the class's", async () => {
    const mint = claims({ customer_type: 'retail' });
    const own = await request(app.getHttpServer())
      .get('/claims/own')
      .set(await dpopHeaders('GET', '/claims/own', mint));
    expect(own.status).toBe(200);
    const inherited = await request(app.getHttpServer())
      .get('/claims/inherited')
      .set(await dpopHeaders('GET', '/claims/inherited', mint));
    expect(inherited.status).toBe(403);
    expect(inherited.body.error).toBe('insufficient_scope');
    expect(inherited.headers['www-authenticate']).toBe(
      'DPoP error="insufficient_scope", error_description="The access token claims do not meet the requirements of this resource", algs="PS256 ES256 EdDSA", Bearer',
    );
  });

  it('@RequireClaims false answers 403 insufficient_scope', async () => {
    const refused = await request(app.getHttpServer())
      .get('/business')
      .set(await dpopHeaders('GET', '/business', claims({ customer_type: 'retail' })));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('insufficient_scope');
    const allowed = await request(app.getHttpServer())
      .get('/business')
      .set(await dpopHeaders('GET', '/business', claims({ customer_type: 'business' })));
    expect(allowed.status).toBe(200);
  });
});

describe('consent decorators are checked when applied and at startup', () => {
  it.each([
    ['@RequireAcr() without values', () => RequireAcr([]), /acrValues must be/],
    [
      '@RequireAcr() with a misspelt option',
      () => RequireAcr([STRONG], { maxage: 1 } as never),
      /unknown option "maxage"/,
    ],
    [
      '@RequireAcr() with a negative maxAge',
      () => RequireAcr([STRONG], { maxAge: -1 }),
      /maxAge must be/,
    ],
    [
      '@RequireAuthorizationDetails() without a type',
      () => RequireAuthorizationDetails({} as never),
      /type must be/,
    ],
    [
      '@RequireClaims() without a function',
      () => RequireClaims('x' as never),
      /claims must be a function/,
    ],
  ])('%s throws a TypeError', (_name, decorate, message) => {
    expect(decorate).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });

  it('fails the bootstrap for @RequireAcr on a @Public() handler', async () => {
    @Controller()
    class PublicAcrController {
      @Public()
      @RequireAcr([STRONG])
      @Get('open')
      open() {
        return { ok: true };
      }
    }
    let app: INestApplication | undefined;
    let error: unknown;
    try {
      app = await createApp('express', {
        imports: [FapiGuardModule.forRoot({ ...(await fapiOptions()), global: true })],
        controllers: [PublicAcrController],
      });
    } catch (caught) {
      error = caught;
    } finally {
      await app?.close();
    }
    expect((error as Error).message).toMatch(
      /PublicAcrController\.open is @Public\(\) but uses @RequireAcr/,
    );
  });
});
